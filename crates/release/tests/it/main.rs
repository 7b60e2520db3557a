//! Integration tests of pyship-release against a fake GitHub on loopback and real git.

mod assets;
mod drafts;
mod gates;
mod local_git;
mod preflight;
mod publish;
mod rate_limits;
mod support;
mod tags;
