//! Integration tests for `pyship-publish`: a fake PyPI and a real pypiserver on loopback.
