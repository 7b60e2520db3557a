//! Native code against the wheel's tags: WHL-12 beyond "no native code in a pure wheel".
//!
//! A binary's architecture is read from its header: ELF `e_machine`, Mach-O `cputype` (both byte
//! orders, and every slice of a fat binary) and PE `Machine`. The platform tag says which
//! architectures the wheel installs on; a binary lacking one of them crashes or fails to load
//! there. An extension module's file name suffix says which interpreters import it; it must fit
//! the interpreter and ABI tags (`.cpython-312-…so` for `cp312`, `.abi3.so` for `abi3`, `.pyd`
//! on Windows).
//!
//! See: verify-rules.md §2.4 WHL-12; platform-compatibility-tags; the ELF gABI (`e_machine`),
//! `<mach-o/loader.h>` and `<mach-o/fat.h>`, the PE/COFF specification (Machine types);
//! CPython `EXTENSION_SUFFIXES` (PEP 3149, PEP 384).

use std::fmt;

use crate::check::{CheckId, Findings, Severity};
use crate::content::NativeKind;
use crate::filename::WheelFilename;

const ID: CheckId = CheckId("WHL-12");

/// A processor architecture, named as platform tags name it where they do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Arch {
    /// 32-bit x86 (`i686`, `i386`, `win32`).
    X86,
    /// `x86_64` (`amd64`).
    X86_64,
    /// 64-bit ARM (`aarch64`, `arm64`).
    Arm64,
    /// 32-bit ARM (`armv7l`, `armv6l`).
    Arm,
    /// 32-bit PowerPC.
    Ppc,
    /// Big-endian 64-bit PowerPC.
    Ppc64,
    /// Little-endian 64-bit PowerPC.
    Ppc64le,
    /// IBM Z (`s390x`).
    S390x,
    /// 64-bit RISC-V.
    Riscv64,
    /// 64-bit `LoongArch`.
    Loongarch64,
    /// Itanium (`win_ia64`).
    Ia64,
    /// A machine value no platform tag here names; the raw value is kept for messages.
    Other(u32),
}

impl fmt::Display for Arch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Arch::X86 => "x86 (i686)",
            Arch::X86_64 => "x86_64",
            Arch::Arm64 => "arm64 (aarch64)",
            Arch::Arm => "32-bit arm",
            Arch::Ppc => "ppc",
            Arch::Ppc64 => "ppc64",
            Arch::Ppc64le => "ppc64le",
            Arch::S390x => "s390x",
            Arch::Riscv64 => "riscv64",
            Arch::Loongarch64 => "loongarch64",
            Arch::Ia64 => "ia64",
            Arch::Other(value) => return write!(f, "machine {value:#x}"),
        };
        f.write_str(name)
    }
}

/// What a binary's header says it runs on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BinaryArch {
    /// ELF, Mach-O or PE.
    pub kind: NativeKind,
    /// One architecture, or one per slice of a fat Mach-O.
    pub arches: Vec<Arch>,
}

/// Reads the architecture(s) from a binary's first bytes. `None` for anything that is not an
/// ELF, Mach-O or PE file, or whose header does not fit in `head`.
#[must_use]
pub fn binary_arch(head: &[u8]) -> Option<BinaryArch> {
    let (kind, arches) = match head.get(..4)? {
        [0x7f, b'E', b'L', b'F'] => (NativeKind::Elf, vec![elf_arch(head)?]),
        [0xfe, 0xed, 0xfa, 0xce | 0xcf] => (NativeKind::MachO, vec![macho_arch(be32(head, 4)?)]),
        [0xce | 0xcf, 0xfa, 0xed, 0xfe] => (NativeKind::MachO, vec![macho_arch(le32(head, 4)?)]),
        [0xca, 0xfe, 0xba, magic @ (0xbe | 0xbf)] => (NativeKind::MachO, fat_arches(head, *magic)?),
        [b'M', b'Z', _, _] => (NativeKind::Pe, vec![pe_arch(head)?]),
        _ => return None,
    };
    Some(BinaryArch { kind, arches })
}

fn be32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn le32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn u16_at(bytes: &[u8], at: usize, big_endian: bool) -> Option<u16> {
    let pair: [u8; 2] = bytes.get(at..at + 2)?.try_into().ok()?;
    Some(if big_endian {
        u16::from_be_bytes(pair)
    } else {
        u16::from_le_bytes(pair)
    })
}

/// ELF `e_machine` (offset 18, in the byte order of `EI_DATA`), refined by `EI_CLASS` and
/// `EI_DATA` where one machine value covers several tags (ppc64 and ppc64le).
fn elf_arch(head: &[u8]) -> Option<Arch> {
    let is_64 = *head.get(4)? == 2;
    let big_endian = *head.get(5)? == 2;
    let machine = u16_at(head, 18, big_endian)?;
    Some(match (machine, is_64) {
        (3, false) => Arch::X86,
        (62, true) => Arch::X86_64,
        (183, true) => Arch::Arm64,
        (40, false) => Arch::Arm,
        (20, false) => Arch::Ppc,
        (21, true) if big_endian => Arch::Ppc64,
        (21, true) => Arch::Ppc64le,
        (22, true) => Arch::S390x,
        (243, true) => Arch::Riscv64,
        (258, true) => Arch::Loongarch64,
        _ => Arch::Other(u32::from(machine)),
    })
}

/// Mach-O `cputype` values (`CPU_TYPE_*`, with `CPU_ARCH_ABI64` = `0x0100_0000`).
fn macho_arch(cputype: u32) -> Arch {
    match cputype {
        7 => Arch::X86,
        0x0100_0007 => Arch::X86_64,
        12 => Arch::Arm,
        0x0100_000c => Arch::Arm64,
        18 => Arch::Ppc,
        0x0100_0012 => Arch::Ppc64,
        other => Arch::Other(other),
    }
}

/// Every slice of a fat Mach-O: `nfat_arch` big-endian records after the magic, 20 bytes each
/// (`fat_arch`) or 32 (`fat_arch_64`, magic `cafebabf`), `cputype` first in each.
fn fat_arches(head: &[u8], magic: u8) -> Option<Vec<Arch>> {
    let count = be32(head, 4)?;
    let record = if magic == 0xbf { 32 } else { 20 };
    (0..count as usize)
        .map(|i| be32(head, 8 + i * record).map(macho_arch))
        .collect()
}

/// PE `Machine`: the `u16` after the `PE\0\0` signature found at `e_lfanew` (offset `0x3c`).
fn pe_arch(head: &[u8]) -> Option<Arch> {
    let offset = le32(head, 0x3c)? as usize;
    if head.get(offset..offset.checked_add(4)?)? != b"PE\0\0" {
        return None;
    }
    let machine = u16_at(head, offset + 4, false)?;
    Some(match machine {
        0x014c => Arch::X86,
        0x8664 => Arch::X86_64,
        // ARM64, and the ARM64EC and ARM64X hybrids that Windows on ARM loads natively.
        0xaa64 | 0xa641 | 0xa64e => Arch::Arm64,
        0x01c4 => Arch::Arm,
        0x0200 => Arch::Ia64,
        other => Arch::Other(u32::from(other)),
    })
}

/// What a platform tag requires of a binary: its format and every architecture it must hold.
/// `None` for tags this check has no table for (`any`, `ios_*`, `android_*`, emscripten).
fn platform_needs(tag: &str) -> Option<(NativeKind, &'static [Arch])> {
    if let Some(arch) = tag.strip_prefix("win") {
        let arches: &[Arch] = match arch {
            "32" => &[Arch::X86],
            "_amd64" => &[Arch::X86_64],
            "_arm64" => &[Arch::Arm64],
            "_ia64" => &[Arch::Ia64],
            _ => return None,
        };
        return Some((NativeKind::Pe, arches));
    }
    if tag.starts_with("macosx_") {
        let arch = tag.splitn(4, '_').nth(3)?;
        return Some((NativeKind::MachO, macos_arches(arch)?));
    }
    let arch = if tag.starts_with("manylinux_") || tag.starts_with("musllinux_") {
        tag.splitn(4, '_').nth(3)?
    } else if tag.starts_with("manylinux") || tag.starts_with("linux_") {
        tag.split_once('_')?.1
    } else {
        return None;
    };
    Some((NativeKind::Elf, linux_arches(arch)?))
}

/// The architectures of a `macosx_*` tag's arch part, fat ones included.
///
/// See: packaging `tags.py::mac_platforms` (`_mac_binary_formats`).
fn macos_arches(arch: &str) -> Option<&'static [Arch]> {
    Some(match arch {
        "x86_64" => &[Arch::X86_64],
        "arm64" => &[Arch::Arm64],
        "i386" => &[Arch::X86],
        "ppc" => &[Arch::Ppc],
        "ppc64" => &[Arch::Ppc64],
        "universal2" => &[Arch::X86_64, Arch::Arm64],
        "intel" => &[Arch::X86, Arch::X86_64],
        "fat" => &[Arch::X86, Arch::Ppc],
        "fat3" => &[Arch::X86, Arch::X86_64, Arch::Ppc],
        "fat64" => &[Arch::X86_64, Arch::Ppc64],
        "universal" => &[Arch::X86, Arch::X86_64, Arch::Ppc, Arch::Ppc64],
        _ => return None,
    })
}

fn linux_arches(arch: &str) -> Option<&'static [Arch]> {
    Some(match arch {
        "x86_64" => &[Arch::X86_64],
        "i686" | "i386" => &[Arch::X86],
        "aarch64" => &[Arch::Arm64],
        "armv7l" | "armv6l" => &[Arch::Arm],
        "ppc64" => &[Arch::Ppc64],
        "ppc64le" => &[Arch::Ppc64le],
        "s390x" => &[Arch::S390x],
        "riscv64" => &[Arch::Riscv64],
        "loongarch64" => &[Arch::Loongarch64],
        _ => return None,
    })
}

fn kind_name(kind: NativeKind) -> &'static str {
    match kind {
        NativeKind::Elf => "ELF",
        NativeKind::MachO => "Mach-O",
        NativeKind::Pe => "PE",
        NativeKind::Wasm => "WebAssembly",
    }
}

fn list(arches: &[Arch]) -> String {
    arches
        .iter()
        .map(|a| format!("`{a}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// WHL-12: `binary` (member `member`) runs on every platform tag of the wheel. A missing
/// format or architecture is an error: the module fails to load there. A fat Mach-O slice that
/// no tag asks for is a warning: it loads, but suggests the wheel is mislabelled.
pub fn check_binary(
    member: &str,
    binary: &BinaryArch,
    wheel: &WheelFilename,
    findings: &mut Findings,
) {
    let mut wanted: Vec<Arch> = Vec::new();
    for tag in &wheel.platform {
        let Some((kind, arches)) = platform_needs(tag) else {
            continue;
        };
        wanted.extend_from_slice(arches);
        if kind != binary.kind {
            findings.error(
                ID,
                Some(member),
                format!(
                    "`{member}` is in {} format; platform tag `{tag}` needs {}",
                    kind_name(binary.kind),
                    kind_name(kind)
                ),
            );
            return;
        }
        let missing: Vec<Arch> = arches
            .iter()
            .copied()
            .filter(|a| !binary.arches.contains(a))
            .collect();
        if !missing.is_empty() {
            findings.error(
                ID,
                Some(member),
                format!(
                    "`{member}` is {} for {}; platform tag `{tag}` needs {}",
                    kind_name(binary.kind),
                    list(&binary.arches),
                    list(&missing)
                ),
            );
            return;
        }
    }
    let extra: Vec<Arch> = binary
        .arches
        .iter()
        .copied()
        .filter(|a| !wanted.contains(a))
        .collect();
    if !wanted.is_empty() && !extra.is_empty() {
        findings.warn(
            ID,
            Some(member),
            format!(
                "`{member}` also holds {} code for {}, which no platform tag of the wheel ({}) \
                 asks for; expected only {}",
                kind_name(binary.kind),
                list(&extra),
                wheel.platform.join("."),
                list(&wanted)
            ),
        );
    }
}

/// What an extension module's file name says about the interpreters that import it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Suffix {
    /// `.abi3.so`: the stable ABI.
    Abi3,
    /// `.cpython-312-….so`, `.pypy310-pp73-….so` or `.cp312-win_amd64.pyd`: one interpreter,
    /// as its ABI tag (`cp312`, `cp313t`, `pypy310_pp73`), and the Windows platform if named.
    Versioned {
        abi: String,
        windows: Option<String>,
    },
    /// `.pyd` alone: any CPython on Windows.
    PlainPyd,
}

/// Parses the extension-module suffix of a file name. Bare `.so` names (shared libraries, or
/// extension modules with the generic suffix) say nothing and give `None`.
fn parse_suffix(file: &str) -> Option<Suffix> {
    if let Some(stem) = file.strip_suffix(".pyd") {
        // `.cp312-win_amd64.pyd`, `.pypy310-pp73-win_amd64.pyd`, or a plain `.pyd`.
        let tagged = stem
            .rsplit_once('.')
            .and_then(|(_, tag)| tag.rsplit_once('-'))
            .filter(|(_, platform)| platform.starts_with("win"));
        let Some((interpreter, platform)) = tagged else {
            return Some(Suffix::PlainPyd);
        };
        return Some(Suffix::Versioned {
            abi: interpreter.replace('-', "_"),
            windows: Some(platform.to_owned()),
        });
    }
    let (_, tag) = file.strip_suffix(".so")?.rsplit_once('.')?;
    if tag == "abi3" {
        return Some(Suffix::Abi3);
    }
    // `cpython-312-x86_64-linux-gnu`, `cpython-313t-darwin`, `pypy310-pp73-x86_64-linux-gnu`.
    let mut parts = tag.split('-');
    let abi = match (parts.next()?, parts.next()?) {
        ("cpython", version) if version.starts_with(|c: char| c.is_ascii_digit()) => {
            format!("cp{version}")
        }
        (pypy, pp) if pypy.starts_with("pypy") && pp.starts_with("pp") => format!("{pypy}_{pp}"),
        _ => return None,
    };
    Some(Suffix::Versioned { abi, windows: None })
}

/// The interpreters (as ABI tags) one (python, abi) tag pair admits: the abi tag itself when it
/// names one interpreter, else a `cp`/`pp` python tag under abi `none`.
fn admitted_abi(python: &str, abi: &str) -> Option<String> {
    if abi.starts_with("cp") || abi.starts_with("pypy") {
        return Some(abi.to_owned());
    }
    (abi == "none" && python.starts_with("cp")).then(|| python.to_owned())
}

/// WHL-12: an extension module's suffix fits the interpreter and ABI tags (and a `.pyd`'s
/// Windows platform the platform tag). `member` is a file that lands in site-packages.
pub fn check_extension_suffix(member: &str, wheel: &WheelFilename, findings: &mut Findings) {
    let file = member.rsplit('/').next().unwrap_or(member);
    let Some(suffix) = parse_suffix(file) else {
        return;
    };
    let windows = wheel.platform.iter().all(|p| p.starts_with("win"));
    let any_windows = wheel.platform.iter().any(|p| p.starts_with("win"));
    let problem = match &suffix {
        Suffix::PlainPyd
        | Suffix::Versioned {
            windows: Some(_), ..
        } if !any_windows => Some(
            "a `.pyd` module is imported only on Windows, but the wheel has no `win*` platform tag"
                .to_owned(),
        ),
        Suffix::Abi3 | Suffix::Versioned { windows: None, .. } if windows => Some(format!(
            "`{file}` is not importable on Windows, which the platform tags `{}` name; expected a \
             `.pyd` module",
            wheel.platform.join(".")
        )),
        Suffix::Versioned { abi, windows: pyd } => versioned_problem(abi, pyd.as_deref(), wheel),
        Suffix::Abi3 | Suffix::PlainPyd => None,
    };
    if let Some(problem) = problem {
        findings.push(
            ID,
            Severity::Error,
            Some(member),
            format!("extension module `{member}`: {problem}"),
        );
    }
}

/// A version-specific suffix fits only a wheel whose every (python, abi) pair admits exactly
/// that interpreter, and a `.cpXY-win_*.pyd` only the matching Windows platform tag.
fn versioned_problem(abi: &str, pyd: Option<&str>, wheel: &WheelFilename) -> Option<String> {
    if let Some(platform) = pyd
        && !wheel.platform.iter().any(|p| p == platform)
    {
        return Some(format!(
            "its suffix names platform `{platform}`, but the wheel is tagged `{}`",
            wheel.platform.join(".")
        ));
    }
    for python in &wheel.python {
        for tag_abi in &wheel.abi {
            let admitted = admitted_abi(python, tag_abi);
            if admitted.as_deref() != Some(abi) {
                let expected = if tag_abi == "abi3" {
                    "`.abi3.so` (or `.pyd` on Windows) for the stable ABI".to_owned()
                } else {
                    admitted.map_or_else(
                        || "tags naming one interpreter (e.g. `cp312-cp312`)".to_owned(),
                        |a| format!("a suffix for `{a}`"),
                    )
                };
                return Some(format!(
                    "its suffix loads only on `{abi}`, but the wheel is tagged \
                     `{python}-{tag_abi}`; expected {expected}"
                ));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests;
