//! Unit tests for WHL-12's architecture and extension-suffix rules.

use super::*;
use crate::filename::check_wheel_filename;
use crate::target::Target;

/// An ELF header: class (1 = 32-bit, 2 = 64-bit), data (1 = little, 2 = big endian), machine.
fn elf(class: u8, data: u8, machine: u16) -> Vec<u8> {
    let mut head = vec![0x7f, b'E', b'L', b'F', class, data, 1, 0];
    head.resize(18, 0);
    if data == 2 {
        head.extend_from_slice(&machine.to_be_bytes());
    } else {
        head.extend_from_slice(&machine.to_le_bytes());
    }
    head.resize(64, 0);
    head
}

/// A thin 64-bit Mach-O header in either byte order.
fn macho(cputype: u32, big_endian: bool) -> Vec<u8> {
    let mut head = Vec::new();
    if big_endian {
        head.extend_from_slice(&[0xfe, 0xed, 0xfa, 0xcf]);
        head.extend_from_slice(&cputype.to_be_bytes());
    } else {
        head.extend_from_slice(&[0xcf, 0xfa, 0xed, 0xfe]);
        head.extend_from_slice(&cputype.to_le_bytes());
    }
    head.resize(32, 0);
    head
}

/// A fat Mach-O header listing `cputypes` (`fat_arch` records, or `fat_arch_64` ones).
fn fat(cputypes: &[u32], wide: bool) -> Vec<u8> {
    let mut head = vec![0xca, 0xfe, 0xba, if wide { 0xbf } else { 0xbe }];
    head.extend_from_slice(&u32::try_from(cputypes.len()).unwrap().to_be_bytes());
    for cputype in cputypes {
        let mut record = cputype.to_be_bytes().to_vec();
        record.resize(if wide { 32 } else { 20 }, 0);
        head.extend_from_slice(&record);
    }
    head
}

/// A PE header: `MZ`, `e_lfanew` = 0x80, `PE\0\0`, then the machine.
fn pe(machine: u16) -> Vec<u8> {
    let mut head = b"MZ".to_vec();
    head.resize(0x3c, 0);
    head.extend_from_slice(&0x80u32.to_le_bytes());
    head.resize(0x80, 0);
    head.extend_from_slice(b"PE\0\0");
    head.extend_from_slice(&machine.to_le_bytes());
    head.resize(0x100, 0);
    head
}

const X86_64: u32 = 0x0100_0007;
const ARM64: u32 = 0x0100_000c;

fn arches(head: &[u8]) -> Vec<Arch> {
    binary_arch(head).expect("a binary header").arches
}

#[test]
fn ok_reads_elf_machines() {
    assert_eq!(arches(&elf(2, 1, 62)), [Arch::X86_64]);
    assert_eq!(arches(&elf(2, 1, 183)), [Arch::Arm64]);
    assert_eq!(arches(&elf(1, 1, 3)), [Arch::X86]);
    assert_eq!(arches(&elf(1, 1, 40)), [Arch::Arm]);
    assert_eq!(arches(&elf(2, 1, 21)), [Arch::Ppc64le]);
    assert_eq!(arches(&elf(2, 2, 21)), [Arch::Ppc64]);
    assert_eq!(arches(&elf(2, 2, 22)), [Arch::S390x]);
    assert_eq!(arches(&elf(2, 1, 243)), [Arch::Riscv64]);
    assert_eq!(arches(&elf(2, 1, 9999)), [Arch::Other(9999)]);
}

#[test]
fn ok_reads_macho_both_byte_orders_and_fat_slices() {
    assert_eq!(arches(&macho(X86_64, false)), [Arch::X86_64]);
    assert_eq!(arches(&macho(ARM64, true)), [Arch::Arm64]);
    assert_eq!(
        arches(&fat(&[X86_64, ARM64], false)),
        [Arch::X86_64, Arch::Arm64]
    );
    assert_eq!(arches(&fat(&[7, X86_64], true)), [Arch::X86, Arch::X86_64]);
    assert_eq!(
        binary_arch(&macho(ARM64, false)).unwrap().kind,
        NativeKind::MachO
    );
}

#[test]
fn ok_reads_pe_machines() {
    assert_eq!(arches(&pe(0x8664)), [Arch::X86_64]);
    assert_eq!(arches(&pe(0x014c)), [Arch::X86]);
    assert_eq!(arches(&pe(0xaa64)), [Arch::Arm64]);
    assert_eq!(binary_arch(&pe(0x8664)).unwrap().kind, NativeKind::Pe);
}

#[test]
fn ok_truncated_or_foreign_headers_give_none() {
    assert_eq!(binary_arch(&elf(2, 1, 62)[..19]), None);
    assert_eq!(binary_arch(&fat(&[X86_64, ARM64], false)[..30]), None);
    let mut no_signature = pe(0x8664);
    no_signature[0x80] = b'X';
    assert_eq!(binary_arch(&no_signature), None);
    assert_eq!(binary_arch(b"\0asm\x01\0\0\0"), None);
    assert_eq!(binary_arch(b"#!/bin/sh\n"), None);
}

fn wheel(filename: &str) -> WheelFilename {
    let mut scratch = Findings::new(None);
    check_wheel_filename(filename, Target::Generic, &mut scratch).expect("a valid wheel name")
}

/// (severity, message) of each finding for `head` in a wheel named `filename`.
fn judge_binary(head: &[u8], filename: &str) -> Vec<(Severity, String)> {
    let mut findings = Findings::new(None);
    check_binary(
        "foo/_x.so",
        &binary_arch(head).unwrap(),
        &wheel(filename),
        &mut findings,
    );
    findings
        .into_vec()
        .into_iter()
        .map(|f| (f.severity, f.message))
        .collect()
}

#[test]
fn ok_binaries_matching_their_platform_tags() {
    for (head, filename) in [
        (
            elf(2, 1, 62),
            "foo-1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        ),
        (
            elf(2, 1, 183),
            "foo-1.0-cp312-cp312-musllinux_1_2_aarch64.whl",
        ),
        (elf(1, 1, 3), "foo-1.0-cp312-cp312-manylinux1_i686.whl"),
        (elf(1, 1, 40), "foo-1.0-cp312-cp312-linux_armv7l.whl"),
        (
            elf(2, 1, 21),
            "foo-1.0-cp312-cp312-manylinux_2_17_ppc64le.whl",
        ),
        (
            elf(2, 2, 22),
            "foo-1.0-cp312-cp312-manylinux_2_17_s390x.whl",
        ),
        (
            macho(X86_64, false),
            "foo-1.0-cp312-cp312-macosx_10_9_x86_64.whl",
        ),
        (
            macho(ARM64, false),
            "foo-1.0-cp312-cp312-macosx_11_0_arm64.whl",
        ),
        (
            fat(&[X86_64, ARM64], false),
            "foo-1.0-cp312-cp312-macosx_10_9_universal2.whl",
        ),
        (
            fat(&[7, X86_64], false),
            "foo-1.0-cp312-cp312-macosx_10_6_intel.whl",
        ),
        (pe(0x8664), "foo-1.0-cp312-cp312-win_amd64.whl"),
        (pe(0x014c), "foo-1.0-cp312-cp312-win32.whl"),
        (pe(0xaa64), "foo-1.0-cp312-cp312-win_arm64.whl"),
        // No table for these tags: nothing to judge.
        (
            elf(2, 1, 183),
            "foo-1.0-cp312-cp312-android_21_arm64_v8a.whl",
        ),
    ] {
        assert_eq!(judge_binary(&head, filename), [], "{filename}");
    }
}

#[test]
fn err_binaries_for_another_architecture_or_format() {
    for (head, filename, says) in [
        (
            elf(2, 1, 183),
            "foo-1.0-cp312-cp312-manylinux_2_17_x86_64.whl",
            "needs `x86_64`",
        ),
        (
            elf(2, 2, 21),
            "foo-1.0-cp312-cp312-manylinux_2_17_ppc64le.whl",
            "needs `ppc64le`",
        ),
        (
            elf(2, 1, 62),
            "foo-1.0-cp312-cp312-win_amd64.whl",
            "is in ELF format",
        ),
        (
            macho(X86_64, true),
            "foo-1.0-cp312-cp312-macosx_11_0_arm64.whl",
            "needs `arm64",
        ),
        (
            macho(ARM64, false),
            "foo-1.0-cp312-cp312-macosx_10_9_universal2.whl",
            "needs `x86_64`",
        ),
        (
            fat(&[X86_64], false),
            "foo-1.0-cp312-cp312-macosx_10_9_universal2.whl",
            "needs `arm64",
        ),
        (
            fat(&[ARM64], true),
            "foo-1.0-cp312-cp312-macosx_10_6_intel.whl",
            "needs `x86 (i686)`",
        ),
        (
            pe(0x014c),
            "foo-1.0-cp312-cp312-win_amd64.whl",
            "needs `x86_64`",
        ),
        (
            pe(0x8664),
            "foo-1.0-cp312-cp312-win_arm64.whl",
            "needs `arm64",
        ),
        (
            pe(0x8664),
            "foo-1.0-cp312-cp312-manylinux_2_17_x86_64.whl",
            "needs ELF",
        ),
    ] {
        let found = judge_binary(&head, filename);
        assert_eq!(found.len(), 1, "{filename}: {found:?}");
        assert_eq!(found[0].0, Severity::Error, "{filename}");
        assert!(found[0].1.contains(says), "{filename}: {}", found[0].1);
    }
}

#[test]
fn warn_fat_slice_no_platform_tag_asks_for() {
    let found = judge_binary(
        &fat(&[X86_64, ARM64], false),
        "foo-1.0-cp312-cp312-macosx_10_9_x86_64.whl",
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, Severity::Warning);
    assert!(found[0].1.contains("`arm64 (aarch64)`"), "{}", found[0].1);
}

/// The messages for extension module `foo/{file}` in a wheel named `filename`.
fn judge_suffix(file: &str, filename: &str) -> Vec<String> {
    let mut findings = Findings::new(None);
    check_extension_suffix(&format!("foo/{file}"), &wheel(filename), &mut findings);
    findings.into_vec().into_iter().map(|f| f.message).collect()
}

#[test]
fn ok_extension_suffixes_fitting_their_tags() {
    for (file, filename) in [
        (
            "_x.cpython-312-x86_64-linux-gnu.so",
            "foo-1.0-cp312-cp312-manylinux_2_17_x86_64.whl",
        ),
        (
            "_x.cpython-313t-darwin.so",
            "foo-1.0-cp313-cp313t-macosx_11_0_arm64.whl",
        ),
        (
            "_x.cpython-37m-x86_64-linux-gnu.so",
            "foo-1.0-cp37-cp37m-manylinux1_x86_64.whl",
        ),
        ("_x.abi3.so", "foo-1.0-cp38-abi3-manylinux_2_17_x86_64.whl"),
        (
            "_x.abi3.so",
            "foo-1.0-cp312-cp312-manylinux_2_17_x86_64.whl",
        ),
        ("_x.so", "foo-1.0-cp38-abi3-manylinux_2_17_x86_64.whl"),
        (
            "libbar-1a2b3c.so.1.2",
            "foo-1.0-cp38-abi3-manylinux_2_17_x86_64.whl",
        ),
        ("_x.pyd", "foo-1.0-cp38-abi3-win_amd64.whl"),
        (
            "_x.cp312-win_amd64.pyd",
            "foo-1.0-cp312-cp312-win_amd64.whl",
        ),
        (
            "_x.cp313t-win_arm64.pyd",
            "foo-1.0-cp313-cp313t-win_arm64.whl",
        ),
        (
            "_x.pypy310-pp73-x86_64-linux-gnu.so",
            "foo-1.0-pp310-pypy310_pp73-manylinux_2_17_x86_64.whl",
        ),
        (
            "_x.pypy310-pp73-win_amd64.pyd",
            "foo-1.0-pp310-pypy310_pp73-win_amd64.whl",
        ),
    ] {
        assert_eq!(
            judge_suffix(file, filename),
            Vec::<String>::new(),
            "{file} in {filename}"
        );
    }
}

#[test]
fn err_extension_suffixes_not_fitting_their_tags() {
    for (file, filename, says) in [
        (
            "_x.cpython-311-x86_64-linux-gnu.so",
            "foo-1.0-cp312-cp312-manylinux_2_17_x86_64.whl",
            "loads only on `cp311`",
        ),
        (
            "_x.cpython-312-x86_64-linux-gnu.so",
            "foo-1.0-cp38-abi3-manylinux_2_17_x86_64.whl",
            "`.abi3.so`",
        ),
        (
            "_x.cpython-312-x86_64-linux-gnu.so",
            "foo-1.0-py3-none-manylinux_2_17_x86_64.whl",
            "one interpreter",
        ),
        (
            "_x.cpython-313-x86_64-linux-gnu.so",
            "foo-1.0-cp313-cp313t-manylinux_2_17_x86_64.whl",
            "a suffix for `cp313t`",
        ),
        (
            "_x.cp311-win_amd64.pyd",
            "foo-1.0-cp312-cp312-win_amd64.whl",
            "loads only on `cp311`",
        ),
        (
            "_x.cp312-win32.pyd",
            "foo-1.0-cp312-cp312-win_amd64.whl",
            "names platform `win32`",
        ),
        (
            "_x.pyd",
            "foo-1.0-cp312-cp312-manylinux_2_17_x86_64.whl",
            "only on Windows",
        ),
        (
            "_x.abi3.so",
            "foo-1.0-cp38-abi3-win_amd64.whl",
            "expected a `.pyd` module",
        ),
        (
            "_x.cpython-312-x86_64-linux-gnu.so",
            "foo-1.0-cp312-cp312-win_amd64.whl",
            "not importable on Windows",
        ),
    ] {
        let found = judge_suffix(file, filename);
        assert_eq!(found.len(), 1, "{file} in {filename}: {found:?}");
        assert!(
            found[0].contains(says),
            "{file} in {filename}: {}",
            found[0]
        );
    }
}
