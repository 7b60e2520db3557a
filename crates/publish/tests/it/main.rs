//! Integration tests for `pyship-publish`: a fake PyPI and a real pypiserver, both on loopback.

mod fixtures;
mod publish_fake;
mod publish_oidc;
mod pypiserver;
