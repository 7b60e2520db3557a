//! Integration tests of pyship-release against a fake GitHub on loopback and real git.

mod assets;
mod drafts;
mod fake_github;
mod gates;
mod local_git;
mod preflight;
mod publish;
mod rate_limits;
mod support;
mod tags;
