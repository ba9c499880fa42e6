//! The file executor (SPEC section 7): writes, edits and deletes one file inside the workspace,
//! confined again at execution time, atomically, after taking a snapshot that [`restore`] undoes.
//! It owns the snapshot blob store, `.agentgate/snapshots/`; it never decides whether an action
//! may run (the gate did that when the plan was reviewed).
//!
//! **Confinement at execution time.** The filesystem may have changed since the plan was read, so
//! every call walks the path again with `symlink_metadata` and refuses:
//! - a path that is not plainly relative: absolute, `~`, NUL, backslash, or any `..` component
//!   (plans are normalised when read, so a `..` here was not reviewed as written);
//! - a symlink on any existing component. One pointing outside the workspace is an escape. One
//!   pointing inside is refused too: [`Workspace::resolve`] follows symlinks inside the workspace
//!   when the plan is read and keeps the real path, so a symlink on that path appeared since the
//!   review, and following it would change a file the policy never judged (`hooks` replaced by a
//!   link to `.git/hooks`). Callers pass `WsPath::relative`, the resolved path;
//! - an existing component that is not a directory, and a final component that is a symlink (see
//!   [`write`]), a directory, or not a regular file.
//!
//! Just before the rename (or removal) the parent is canonicalised again and the target checked
//! unchanged, which narrows the race with a concurrent local process to the rename itself; closing
//! it entirely needs `openat`/`O_NOFOLLOW`, which std does not offer. Writes replace the directory
//! entry, so a hard link inside the workspace never carries a write to the file it shares.
//!
//! **Snapshots.** Before changing an existing file, its bytes go to the blob store under their
//! sha256 (owner-only permissions, verified on load), so a snapshot survives the process for
//! `agentgate rollback RUN_ID`. A [`Snapshot`] holds hashes, the mode and the directories created,
//! never content: it is what the audit trail records, and the trail must not hold file contents
//! (they may be secrets). Snapshots above [`MAX_SNAPSHOT_BYTES`] are not taken, so such a file
//! is not changed at all.
//!
//! Durability: the new content is fsynced before the rename; the directory is not fsynced, so a
//! power loss right after may bring back the old file (never a mix of both). A workspace that
//! defers syncing ([`Workspace::deferring_sync`], what `apply` uses) skips the per-file fsync and
//! its caller flushes once with [`sync`] before it records the outcome: about 3 ms per file saved
//! on a virtual disk, and the rename still never exposes a half-written file to readers. The
//! price is crash safety before that flush: after a power loss mid-apply a renamed file may come
//! back empty, or a snapshot may be missing for a change that reached the disk (the trail then
//! shows the apply `started` with no outcome, and no rollback is offered for it).

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::evaluate::apply_edit;
use crate::plan::Edit;
use crate::workspace::{Workspace, normalise};

/// The blob store of snapshot contents, relative to the workspace root.
pub const SNAPSHOT_DIR: &str = ".agentgate/snapshots";
/// Largest file agentgate snapshots, and so the largest it overwrites, edits or deletes.
pub const MAX_SNAPSHOT_BYTES: u64 = 64 * 1024 * 1024;
/// Permission bits of a file that did not exist (the umask is not applied).
pub const NEW_FILE_MODE: u32 = 0o644;
/// Permission bits of a blob and of the blob store.
const BLOB_MODE: u32 = 0o600;
const BLOB_DIR_MODE: u32 = 0o700;
/// Prefix of the temporary files written next to a target, so a stray one is recognisable.
const TEMP_PREFIX: &str = ".agentgate-tmp-";

/// Why a file action or its undo did not happen. Each names the workspace-relative path.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// The path or the file's current state forbids the action; nothing was changed.
    #[error("`{path}`: refused: {why}")]
    Refused { path: String, why: String },
    #[error("`{path}`: {source}")]
    Io {
        path: String,
        #[source]
        source: io::Error,
    },
    /// [`restore`] found the file changed since the action ran and left it alone.
    #[error(
        "`{path}` changed since the action ran; it was left as it is (undo it by hand if needed)"
    )]
    Changed { path: String },
}

/// What one file action changed, enough to undo it. Serialisable for the audit trail; it holds
/// hashes, never content: the previous bytes are in the blob store under `before.sha256`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    /// Workspace-relative, `/`-separated, as executed.
    pub path: String,
    /// The file before the action; `None` if it did not exist.
    pub before: Option<Before>,
    /// sha256 (hex) of what the action left; `None` if the action deleted the file.
    pub after_sha256: Option<String>,
    /// Directories the action created for the file, outermost first.
    pub created_dirs: Vec<String>,
}

/// A file as it was before an action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Before {
    /// sha256 (hex) of its bytes, which are the blob of that name (see [`load_blob`]).
    pub sha256: String,
    /// Permission bits (`0o7777` mask).
    pub mode: u32,
}

impl Snapshot {
    /// The blob [`restore`] needs, if any: keep it as long as the snapshot may be rolled back.
    pub fn blob(&self) -> Option<&str> {
        self.before.as_ref().map(|b| b.sha256.as_str())
    }
}

/// Write `content` to `relative` (a plan's `WsPath::relative`), creating missing directories,
/// atomically: a temporary file in the same directory, written, fsynced, given the mode of the
/// file it replaces (setuid, setgid and sticky bits dropped, as a write by the kernel would) or
/// [`NEW_FILE_MODE`], then renamed over the target. A new file never replaces one that appeared
/// meanwhile.
///
/// A symlink as the final component is refused, even one pointing inside the workspace: writing
/// through it would change the link's target, a file the plan does not name and the policy did
/// not judge; replacing it would silently turn a link into a regular file and cut whatever else
/// relies on it. Neither is what a reviewer reading "write `path`" expects, so the plan must name
/// the real file (or remove the link in a reviewed step).
pub fn write(ws: &Workspace, relative: &str, content: &[u8]) -> Result<Snapshot, ExecError> {
    let target = confine(ws, relative)?;
    let before = match &target.found {
        Found::File(meta) => {
            let bytes = read_file(&target.rel, &target.abs, meta)?;
            Some(take_snapshot(ws, &bytes, meta)?)
        }
        Found::Missing => None,
    };
    replace(ws, target, before, content)
}

/// Apply `edit` to the file's current text (it fails if the `old` text is now missing or
/// ambiguous, or the patch no longer applies), then write the result as [`write`] does.
pub fn edit(ws: &Workspace, relative: &str, edit: &Edit) -> Result<Snapshot, ExecError> {
    let target = confine(ws, relative)?;
    let Found::File(meta) = target.found.clone() else {
        return Err(refused(
            &target.rel,
            "it does not exist; file.edit changes an existing file",
        ));
    };
    let bytes = read_file(&target.rel, &target.abs, &meta)?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| refused(&target.rel, "it is not UTF-8 text; file.edit changes text"))?;
    let after = apply_edit(text, edit).map_err(|why| refused(&target.rel, why))?;
    let before = take_snapshot(ws, &bytes, &meta)?;
    replace(ws, target, Some(before), after.as_bytes())
}

/// Remove a file (never a directory), after taking its snapshot.
pub fn delete(ws: &Workspace, relative: &str) -> Result<Snapshot, ExecError> {
    let target = confine(ws, relative)?;
    let Found::File(meta) = &target.found else {
        return Err(refused(&target.rel, "it does not exist"));
    };
    let bytes = read_file(&target.rel, &target.abs, meta)?;
    let before = take_snapshot(ws, &bytes, meta)?;
    recheck(&target)?;
    fs::remove_file(&target.abs).map_err(io_error(&target.rel))?;
    Ok(Snapshot {
        path: target.rel,
        before: Some(before),
        after_sha256: None,
        created_dirs: Vec::new(),
    })
}

/// Whether the file's content is no longer what the action left (a different hash, or it exists
/// when the action deleted it, or the reverse). Its mode alone does not count.
pub fn changed_since(ws: &Workspace, snapshot: &Snapshot) -> Result<bool, ExecError> {
    let target = confine(ws, &snapshot.path)?;
    Ok(!holds(&target, snapshot.after_sha256.as_deref())?)
}

/// Undo the action `snapshot` describes: put the previous bytes and mode back atomically, or
/// remove the file it created together with the directories it created that are now empty.
///
/// Refuses with [`ExecError::Changed`] when the file changed since the action ran. When the file
/// already is as it was before the action (an interrupted rollback run again), it does nothing
/// but the directory cleanup, so running a rollback twice is harmless.
pub fn restore(ws: &Workspace, snapshot: &Snapshot) -> Result<(), ExecError> {
    check_snapshot(snapshot)?;
    let target = confine(ws, &snapshot.path)?;
    if !holds(&target, snapshot.after_sha256.as_deref())? {
        if holds(&target, snapshot.blob())? {
            if snapshot.before.is_none() {
                remove_empty_dirs(ws, &snapshot.created_dirs)?;
            }
            return Ok(());
        }
        return Err(ExecError::Changed { path: target.rel });
    }
    match &snapshot.before {
        None => {
            recheck(&target)?;
            fs::remove_file(&target.abs).map_err(io_error(&target.rel))?;
            remove_empty_dirs(ws, &snapshot.created_dirs)
        }
        Some(before) => {
            let bytes = load_blob(ws, &before.sha256)?;
            // A deleted file's directory may have gone since: recreate it.
            let created = create_dirs(ws, &target)?;
            atomic_write(&target, &bytes, before.mode & 0o7777, ws.syncs_each_file()).inspect_err(
                |_| {
                    let _ = remove_empty_dirs(ws, &created);
                },
            )
        }
    }
}

/// Store `bytes` in the blob store (owner-only permissions) under their sha256, which is
/// returned in hex. A blob already stored intact is not written again; a corrupted one is
/// replaced.
pub fn save_blob(ws: &Workspace, bytes: &[u8]) -> Result<String, ExecError> {
    let sha = sha256_hex(bytes);
    let target = confine(ws, &format!("{SNAPSHOT_DIR}/{sha}"))?;
    if let Found::File(meta) = &target.found
        && meta.len() == bytes.len() as u64
        && hash_file(&target.rel, &target.abs, meta)? == sha
    {
        return Ok(sha);
    }
    for dir in &target.missing_dirs {
        match fs::DirBuilder::new()
            .mode(BLOB_DIR_MODE)
            .create(ws.root().join(dir))
        {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(io_error(dir)(e)),
        }
    }
    // Whatever appeared meanwhile (a directory, a symlink) is refused here.
    let target = confine(ws, &target.rel)?;
    atomic_write(&target, bytes, BLOB_MODE, ws.syncs_each_file())?;
    Ok(sha)
}

/// The bytes of blob `sha256` (64 lowercase hex digits), refused if missing or if they no longer
/// match their hash.
pub fn load_blob(ws: &Workspace, sha256: &str) -> Result<Vec<u8>, ExecError> {
    if sha256.len() != 64
        || !sha256
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        return Err(refused(
            sha256,
            "a snapshot is named by a sha256 in lowercase hex",
        ));
    }
    let target = confine(ws, &format!("{SNAPSHOT_DIR}/{sha256}"))?;
    let Found::File(meta) = &target.found else {
        return Err(refused(
            &target.rel,
            "the snapshot is missing, so the change cannot be undone",
        ));
    };
    let bytes = read_file(&target.rel, &target.abs, meta)?;
    if sha256_hex(&bytes) != sha256 {
        return Err(refused(
            &target.rel,
            "the snapshot is corrupted: its content does not match its hash",
        ));
    }
    Ok(bytes)
}

/// A path confined to the workspace now, and what is there.
#[derive(Debug)]
pub(super) struct Target {
    /// Normalised relative path.
    pub(super) rel: String,
    pub(super) abs: PathBuf,
    /// The directory the file is in (it may not exist yet).
    parent: PathBuf,
    /// Directories to create before writing, relative, outermost first.
    missing_dirs: Vec<String>,
    pub(super) found: Found,
}

#[derive(Debug, Clone)]
pub(super) enum Found {
    Missing,
    /// A regular file, with its `symlink_metadata`.
    File(fs::Metadata),
}

fn refused(path: &str, why: impl Into<String>) -> ExecError {
    ExecError::Refused {
        path: path.to_string(),
        why: why.into(),
    }
}

fn io_error(path: &str) -> impl FnOnce(io::Error) -> ExecError + '_ {
    move |source| ExecError::Io {
        path: path.to_string(),
        source,
    }
}

/// Walk `raw` from the root with `symlink_metadata`, refusing what the module docs list. The SQL
/// executor confines its database files through this walk too.
pub(super) fn confine(ws: &Workspace, raw: &str) -> Result<Target, ExecError> {
    if raw.split('/').any(|part| part == "..") {
        return Err(refused(
            raw,
            "`..` is not accepted when executing; paths run as the plan resolved them",
        ));
    }
    let rel = normalise(raw).map_err(|why| refused(raw, why))?;
    let root = ws.root();
    let parts: Vec<&str> = rel.split('/').collect();
    let Some((name, dirs)) = parts.split_last() else {
        return Err(refused(raw, "empty path"));
    };
    let mut probe = root.to_path_buf();
    let mut missing_dirs = Vec::new();
    for (i, part) in dirs.iter().enumerate() {
        probe.push(part);
        let sub = parts[..=i].join("/");
        if !missing_dirs.is_empty() {
            missing_dirs.push(sub);
            continue;
        }
        match fs::symlink_metadata(&probe) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(refused(&rel, symlink_on_path(ws, &sub, &probe)));
            }
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => return Err(refused(&rel, format!("`{sub}` is not a directory"))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => missing_dirs.push(sub),
            Err(e) => return Err(io_error(&sub)(e)),
        }
    }
    let parent = probe.clone();
    probe.push(name);
    let found = if !missing_dirs.is_empty() {
        Found::Missing
    } else {
        match fs::symlink_metadata(&probe) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(refused(
                    &rel,
                    "it is a symlink; agentgate neither writes through a link (that changes \
                     another file) nor replaces it (that turns a link into a file): name the \
                     real file",
                ));
            }
            Ok(meta) if meta.is_dir() => {
                return Err(refused(
                    &rel,
                    "it is a directory; file actions change files only",
                ));
            }
            Ok(meta) if meta.is_file() => Found::File(meta),
            Ok(_) => {
                return Err(refused(
                    &rel,
                    "it is not a regular file (a device, socket or pipe)",
                ));
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Found::Missing,
            Err(e) => return Err(io_error(&rel)(e)),
        }
    };
    Ok(Target {
        rel,
        abs: probe,
        parent,
        missing_dirs,
        found,
    })
}

/// Why a symlink on a directory component is refused, saying where it leads.
fn symlink_on_path(ws: &Workspace, sub: &str, link: &Path) -> String {
    match fs::canonicalize(link) {
        Ok(to) => match to.strip_prefix(ws.root()) {
            Ok(inside) => format!(
                "the path goes through the symlink `{sub}` (to `{}`); paths are resolved when \
                 the plan is read, so this link appeared since, and following it would change a \
                 file the policy did not judge: re-plan",
                inside.display()
            ),
            Err(_) => format!(
                "the path goes through the symlink `{sub}`, which points outside the workspace \
                 (to {})",
                to.display()
            ),
        },
        Err(_) => format!("the path goes through the dangling symlink `{sub}`"),
    }
}

/// Just before the rename or removal: the parent has not become (or gone through) a symlink and
/// the target is still what [`confine`] found.
fn recheck(target: &Target) -> Result<(), ExecError> {
    let real = fs::canonicalize(&target.parent).map_err(io_error(&target.rel))?;
    if real != target.parent {
        return Err(refused(
            &target.rel,
            "a directory on the path was replaced by a symlink during the action",
        ));
    }
    let now = match fs::symlink_metadata(&target.abs) {
        Ok(meta) => Some(meta),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(io_error(&target.rel)(e)),
    };
    let same = match (&target.found, &now) {
        (Found::Missing, None) => true,
        (Found::File(was), Some(now)) => {
            now.is_file() && now.dev() == was.dev() && now.ino() == was.ino()
        }
        _ => false,
    };
    if same {
        Ok(())
    } else {
        Err(refused(
            &target.rel,
            "it was replaced, created or removed by something else during the action",
        ))
    }
}

/// Open a file [`confine`] found, making sure the handle is that very file (not a symlink or
/// other file swapped in since).
fn open_found(rel: &str, abs: &Path, meta: &fs::Metadata) -> Result<File, ExecError> {
    let file = File::open(abs).map_err(io_error(rel))?;
    let opened = file.metadata().map_err(io_error(rel))?;
    if !opened.is_file() || opened.dev() != meta.dev() || opened.ino() != meta.ino() {
        return Err(refused(rel, "it was replaced while being read"));
    }
    Ok(file)
}

/// The whole file, bounded by [`MAX_SNAPSHOT_BYTES`].
fn read_file(rel: &str, abs: &Path, meta: &fs::Metadata) -> Result<Vec<u8>, ExecError> {
    let too_big = |len: u64| {
        refused(
            rel,
            format!(
                "it is {len} bytes; files over {MAX_SNAPSHOT_BYTES} bytes are not snapshotted, so \
                 agentgate does not change them"
            ),
        )
    };
    if meta.len() > MAX_SNAPSHOT_BYTES {
        return Err(too_big(meta.len()));
    }
    let file = open_found(rel, abs, meta)?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(MAX_SNAPSHOT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io_error(rel))?;
    if bytes.len() as u64 > MAX_SNAPSHOT_BYTES {
        return Err(too_big(bytes.len() as u64));
    }
    Ok(bytes)
}

/// sha256 (hex) of a file's content, streamed.
fn hash_file(rel: &str, abs: &Path, meta: &fs::Metadata) -> Result<String, ExecError> {
    let mut file = open_found(rel, abs, meta)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut buf).map_err(io_error(rel))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// What is at `relative` now, in one line, for a sealed plan's staleness check: `absent`,
/// `sha256:<hex> mode:<octal>`, or `refused: <why>` when agentgate would not change it. Two
/// fingerprints differ whenever the content, the permission bits, or the file's eligibility
/// (a symlink swapped in, a directory) differ.
pub fn fingerprint(ws: &Workspace, relative: &str) -> String {
    let target = match confine(ws, relative) {
        Ok(target) => target,
        Err(e) => return format!("refused: {e}"),
    };
    match &target.found {
        Found::Missing => "absent".into(),
        Found::File(meta) => match hash_file(&target.rel, &target.abs, meta) {
            Ok(sha) => format!("sha256:{sha} mode:{:o}", meta.permissions().mode() & 0o7777),
            Err(e) => format!("refused: {e}"),
        },
    }
}

/// Save the bytes of an existing file to the blob store; the snapshot's `before`.
fn take_snapshot(ws: &Workspace, bytes: &[u8], meta: &fs::Metadata) -> Result<Before, ExecError> {
    Ok(Before {
        sha256: save_blob(ws, bytes)?,
        mode: meta.permissions().mode() & 0o7777,
    })
}

/// Whether the target holds content of hash `sha` (`None`: the file does not exist).
fn holds(target: &Target, sha: Option<&str>) -> Result<bool, ExecError> {
    Ok(match (&target.found, sha) {
        (Found::Missing, None) => true,
        (Found::File(meta), Some(sha)) => hash_file(&target.rel, &target.abs, meta)? == sha,
        _ => false,
    })
}

/// Create the missing directories, write, and describe what changed; on failure, remove the
/// directories created.
fn replace(
    ws: &Workspace,
    target: Target,
    before: Option<Before>,
    content: &[u8],
) -> Result<Snapshot, ExecError> {
    let created_dirs = create_dirs(ws, &target)?;
    let mode = before.as_ref().map_or(NEW_FILE_MODE, |b| b.mode & 0o777);
    if let Err(e) = atomic_write(&target, content, mode, ws.syncs_each_file()) {
        let _ = remove_empty_dirs(ws, &created_dirs);
        return Err(e);
    }
    Ok(Snapshot {
        path: target.rel,
        before,
        after_sha256: Some(sha256_hex(content)),
        created_dirs,
    })
}

/// Create the target's missing directories one by one, returning those this call created.
fn create_dirs(ws: &Workspace, target: &Target) -> Result<Vec<String>, ExecError> {
    let mut created = Vec::new();
    for dir in &target.missing_dirs {
        let abs = ws.root().join(dir);
        let result = match fs::create_dir(&abs) {
            Ok(()) => {
                created.push(dir.clone());
                Ok(())
            }
            // Created meanwhile by someone else: fine if it is a real directory.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                match fs::symlink_metadata(&abs) {
                    Ok(meta) if meta.is_dir() => Ok(()),
                    _ => Err(refused(
                        &target.rel,
                        format!("`{dir}` appeared during the action and is not a directory"),
                    )),
                }
            }
            Err(e) => Err(io_error(dir)(e)),
        };
        if let Err(e) = result {
            let _ = remove_empty_dirs(ws, &created);
            return Err(e);
        }
    }
    Ok(created)
}

/// Remove these directories, innermost first, where they are still empty directories.
fn remove_empty_dirs(ws: &Workspace, dirs: &[String]) -> Result<(), ExecError> {
    for dir in dirs.iter().rev() {
        let abs = ws.root().join(dir);
        match fs::symlink_metadata(&abs) {
            Ok(meta) if meta.is_dir() => {}
            _ => continue,
        }
        match fs::remove_dir(&abs) {
            Ok(()) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::DirectoryNotEmpty | io::ErrorKind::NotFound
                ) => {}
            Err(e) => return Err(io_error(dir)(e)),
        }
    }
    Ok(())
}

/// Write through a temporary file in the target's directory, fsync, set `mode`, and rename over
/// the target, or next to nothing when it did not exist (never clobbering one that appeared).
/// The temporary file is removed on every failure.
fn atomic_write(target: &Target, content: &[u8], mode: u32, sync: bool) -> Result<(), ExecError> {
    let io = || io_error(&target.rel);
    let mut temp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .tempfile_in(&target.parent)
        .map_err(io())?;
    temp.write_all(content).map_err(io())?;
    temp.as_file()
        .set_permissions(fs::Permissions::from_mode(mode))
        .map_err(io())?;
    if sync {
        temp.as_file().sync_all().map_err(io())?;
    }
    recheck(target)?;
    let persisted = match target.found {
        Found::File(_) => temp.persist(&target.abs),
        Found::Missing => temp.persist_noclobber(&target.abs),
    };
    persisted.map(drop).map_err(|e| io()(e.error))
}

/// Flush everything written on the workspace's filesystem to disk, once: the durability point of
/// an apply whose workspace defers the per-file fsync ([`Workspace::deferring_sync`]). On Linux
/// `syncfs` flushes that one filesystem; elsewhere `sync` flushes all.
pub fn sync(ws: &Workspace) -> Result<(), ExecError> {
    let root = ws.root().display().to_string();
    let dir = File::open(ws.root()).map_err(io_error(&root))?;
    #[cfg(any(target_os = "linux", target_os = "android"))]
    rustix::fs::syncfs(&dir).map_err(|e| io_error(&root)(e.into()))?;
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        drop(dir);
        rustix::fs::sync();
    }
    Ok(())
}

/// A snapshot read back from the audit trail may have been tampered with: its directories must
/// be ancestors of its path (which [`confine`] checks in turn).
fn check_snapshot(snapshot: &Snapshot) -> Result<(), ExecError> {
    for dir in &snapshot.created_dirs {
        let ancestor = normalise(dir).is_ok_and(|n| n == *dir)
            && !dir.split('/').any(|part| part == "..")
            && snapshot
                .path
                .strip_prefix(dir.as_str())
                .is_some_and(|rest| rest.starts_with('/'));
        if !ancestor {
            return Err(refused(
                &snapshot.path,
                format!("the snapshot lists `{dir}`, which is not a directory above the file"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn setup() -> (tempfile::TempDir, Workspace) {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::open(dir.path()).unwrap();
        (dir, ws)
    }

    fn mode(path: &Path) -> u32 {
        fs::symlink_metadata(path).unwrap().permissions().mode() & 0o7777
    }

    fn set_mode(path: &Path, mode: u32) {
        fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
    }

    /// Every entry under `dir`, recursively, relative; the blob store excluded.
    fn listing(dir: &Path) -> Vec<String> {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for entry in fs::read_dir(&d).unwrap() {
                let path = entry.unwrap().path();
                let rel = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                if rel.starts_with(".agentgate") {
                    continue;
                }
                if fs::symlink_metadata(&path).unwrap().is_dir() {
                    stack.push(path.clone());
                }
                out.push(rel);
            }
        }
        out.sort();
        out
    }

    fn temp_files(dir: &Path) -> Vec<String> {
        let mut all = listing(dir);
        let store = dir.join(SNAPSHOT_DIR);
        if store.exists() {
            all.extend(listing(&store));
        }
        all.into_iter()
            .filter(|p| p.contains(TEMP_PREFIX))
            .collect()
    }

    fn why(err: ExecError) -> String {
        match err {
            ExecError::Refused { why, .. } => why,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn write_new_file_then_restore_removes_it_and_the_directories_it_created() {
        let (dir, ws) = setup();
        fs::create_dir(dir.path().join("keep")).unwrap();
        let snap = write(&ws, "a/b/c.txt", b"hello\n").unwrap();
        let file = dir.path().join("a/b/c.txt");
        assert_eq!(fs::read(&file).unwrap(), b"hello\n");
        assert_eq!(mode(&file), NEW_FILE_MODE);
        assert_eq!(snap.path, "a/b/c.txt");
        assert_eq!(snap.before, None);
        assert_eq!(
            snap.after_sha256.as_deref(),
            Some(sha256_hex(b"hello\n").as_str())
        );
        assert_eq!(snap.created_dirs, ["a", "a/b"]);
        assert!(!changed_since(&ws, &snap).unwrap());

        restore(&ws, &snap).unwrap();
        assert!(!dir.path().join("a").exists());
        // Restoring again (an interrupted rollback run twice) is harmless.
        restore(&ws, &snap).unwrap();

        // Only the directories the write created go, and only when empty.
        let snap = write(&ws, "keep/x/y/z.txt", b"z").unwrap();
        assert_eq!(snap.created_dirs, ["keep/x", "keep/x/y"]);
        fs::write(dir.path().join("keep/x/other"), "someone else's").unwrap();
        restore(&ws, &snap).unwrap();
        assert_eq!(listing(dir.path()), ["keep", "keep/x", "keep/x/other"]);
        assert!(temp_files(dir.path()).is_empty());
    }

    #[test]
    fn overwrite_keeps_the_mode_and_restore_brings_back_bytes_and_mode() {
        let (dir, ws) = setup();
        let file = dir.path().join("run.sh");
        fs::write(&file, "#!/bin/sh\necho old\n").unwrap();
        set_mode(&file, 0o755);
        let snap = write(&ws, "run.sh", b"#!/bin/sh\necho new\n").unwrap();
        assert_eq!(fs::read_to_string(&file).unwrap(), "#!/bin/sh\necho new\n");
        assert_eq!(mode(&file), 0o755);
        let before = snap.before.clone().unwrap();
        assert_eq!(before.mode, 0o755);
        assert_eq!(before.sha256, sha256_hex(b"#!/bin/sh\necho old\n"));
        assert!(snap.created_dirs.is_empty());

        // A mode change alone is not a change of the file; restore puts the old mode back.
        set_mode(&file, 0o600);
        assert!(!changed_since(&ws, &snap).unwrap());
        restore(&ws, &snap).unwrap();
        assert_eq!(fs::read_to_string(&file).unwrap(), "#!/bin/sh\necho old\n");
        assert_eq!(mode(&file), 0o755);
        assert_eq!(listing(dir.path()), ["run.sh"]);
    }

    #[test]
    fn setuid_bits_are_dropped_on_write_and_restored_on_undo() {
        let (dir, ws) = setup();
        let file = dir.path().join("tool");
        fs::write(&file, "old").unwrap();
        set_mode(&file, 0o4755);
        let snap = write(&ws, "tool", b"new").unwrap();
        assert_eq!(mode(&file), 0o755);
        restore(&ws, &snap).unwrap();
        assert_eq!(mode(&file), 0o4755);
    }

    #[test]
    fn edit_applies_to_the_current_text_or_is_refused() {
        let (dir, ws) = setup();
        let file = dir.path().join("conf.yaml");
        fs::write(&file, "replicas: 2\nimage: app:1\n").unwrap();
        set_mode(&file, 0o640);
        let replace = |old: &str, new: &str| Edit::Replace {
            old: old.into(),
            new: new.into(),
        };
        let snap = edit(&ws, "conf.yaml", &replace("replicas: 2", "replicas: 3")).unwrap();
        assert_eq!(
            fs::read_to_string(&file).unwrap(),
            "replicas: 3\nimage: app:1\n"
        );
        assert_eq!(mode(&file), 0o640);

        // Since planning, the text changed: the `old` text is gone, or now ambiguous.
        let gone = why(edit(&ws, "conf.yaml", &replace("replicas: 2", "replicas: 4")).unwrap_err());
        assert!(gone.contains("not in the file"), "{gone}");
        let twice = why(edit(&ws, "conf.yaml", &replace("e", "E")).unwrap_err());
        assert!(twice.contains("times"), "{twice}");
        assert_eq!(
            fs::read_to_string(&file).unwrap(),
            "replicas: 3\nimage: app:1\n"
        );

        let patch = "--- a/conf.yaml\n+++ b/conf.yaml\n@@ -1,2 +1,2 @@\n replicas: 3\n-image: app:1\n+image: app:2\n";
        let patched = edit(&ws, "conf.yaml", &Edit::Patch(patch.into())).unwrap();
        assert_eq!(
            fs::read_to_string(&file).unwrap(),
            "replicas: 3\nimage: app:2\n"
        );

        // Undo in reverse order.
        restore(&ws, &patched).unwrap();
        restore(&ws, &snap).unwrap();
        assert_eq!(
            fs::read_to_string(&file).unwrap(),
            "replicas: 2\nimage: app:1\n"
        );

        assert!(why(edit(&ws, "missing.txt", &replace("a", "b")).unwrap_err()).contains("exist"));
        fs::write(dir.path().join("bin"), [0xff, 0xfe, b'a']).unwrap();
        assert!(why(edit(&ws, "bin", &replace("a", "b")).unwrap_err()).contains("UTF-8"));
    }

    #[test]
    fn delete_then_restore_brings_back_bytes_and_mode() {
        let (dir, ws) = setup();
        fs::create_dir(dir.path().join("d")).unwrap();
        let file = dir.path().join("d/secret.env");
        fs::write(&file, "TOKEN=abc\n").unwrap();
        set_mode(&file, 0o600);
        let snap = delete(&ws, "d/secret.env").unwrap();
        assert!(!file.exists());
        assert_eq!(snap.after_sha256, None);
        assert_eq!(snap.before.as_ref().unwrap().mode, 0o600);
        assert!(!changed_since(&ws, &snap).unwrap());
        restore(&ws, &snap).unwrap();
        assert_eq!(fs::read_to_string(&file).unwrap(), "TOKEN=abc\n");
        assert_eq!(mode(&file), 0o600);

        assert!(why(delete(&ws, "nothing").unwrap_err()).contains("does not exist"));
        assert!(why(delete(&ws, "d").unwrap_err()).contains("directory"));
        assert!(dir.path().join("d").is_dir());
    }

    #[test]
    fn a_symlink_ancestor_created_after_planning_is_refused() {
        let outside = tempfile::tempdir().unwrap();
        fs::write(outside.path().join("x.txt"), "outside").unwrap();
        let (dir, ws) = setup();
        fs::create_dir(dir.path().join("sub")).unwrap();
        let planned = ws.resolve("sub/x.txt").unwrap();
        assert_eq!(planned.relative, "sub/x.txt");

        // Between plan and apply, `sub` becomes a link out of the workspace.
        fs::remove_dir(dir.path().join("sub")).unwrap();
        symlink(outside.path(), dir.path().join("sub")).unwrap();
        for err in [
            write(&ws, &planned.relative, b"pwned").unwrap_err(),
            edit(
                &ws,
                &planned.relative,
                &Edit::Replace {
                    old: "outside".into(),
                    new: "pwned".into(),
                },
            )
            .unwrap_err(),
            delete(&ws, &planned.relative).unwrap_err(),
        ] {
            assert!(why(err).contains("outside the workspace"));
        }
        assert_eq!(
            fs::read_to_string(outside.path().join("x.txt")).unwrap(),
            "outside"
        );
        assert_eq!(fs::read_dir(outside.path()).unwrap().count(), 1);

        // A link inside the workspace that was not on the reviewed path is refused too.
        fs::create_dir(dir.path().join("real")).unwrap();
        fs::remove_file(dir.path().join("sub")).unwrap();
        symlink(dir.path().join("real"), dir.path().join("sub")).unwrap();
        let inside = why(write(&ws, &planned.relative, b"x").unwrap_err());
        assert!(inside.contains("`sub` (to `real`)"), "{inside}");
        assert!(!dir.path().join("real/x.txt").exists());

        // A dangling one, deeper in the path.
        fs::remove_file(dir.path().join("sub")).unwrap();
        fs::create_dir(dir.path().join("sub")).unwrap();
        symlink(dir.path().join("nowhere"), dir.path().join("sub/deep")).unwrap();
        assert!(why(write(&ws, "sub/deep/x", b"x").unwrap_err()).contains("dangling"));
    }

    #[test]
    fn a_symlink_as_the_final_component_is_refused() {
        let (dir, ws) = setup();
        fs::write(dir.path().join("real.txt"), "real").unwrap();
        symlink(dir.path().join("real.txt"), dir.path().join("link.txt")).unwrap();
        symlink(dir.path().join("nowhere"), dir.path().join("dangling")).unwrap();
        for path in ["link.txt", "dangling"] {
            assert!(why(write(&ws, path, b"x").unwrap_err()).contains("symlink"));
            assert!(why(delete(&ws, path).unwrap_err()).contains("symlink"));
        }
        assert!(
            fs::symlink_metadata(dir.path().join("link.txt"))
                .unwrap()
                .is_symlink()
        );
        assert_eq!(
            fs::read_to_string(dir.path().join("real.txt")).unwrap(),
            "real"
        );
        assert!(!dir.path().join("nowhere").exists());
    }

    #[test]
    fn directories_and_non_directory_ancestors_are_refused() {
        let (dir, ws) = setup();
        fs::create_dir(dir.path().join("d")).unwrap();
        fs::write(dir.path().join("f"), "file").unwrap();
        assert!(why(write(&ws, "d", b"x").unwrap_err()).contains("is a directory"));
        assert!(why(write(&ws, "f/x", b"x").unwrap_err()).contains("`f` is not a directory"));
        assert_eq!(listing(dir.path()), ["d", "f"]);
    }

    #[test]
    fn parent_components_and_absolute_paths_are_refused() {
        let (dir, ws) = setup();
        fs::create_dir(dir.path().join("a")).unwrap();
        for path in ["../x", "a/../b", "a/..", "/etc/passwd", "~/x", "", "."] {
            assert!(
                matches!(write(&ws, path, b"x"), Err(ExecError::Refused { .. })),
                "{path}"
            );
        }
        assert!(why(write(&ws, "a/../b", b"x").unwrap_err()).contains(".."));
        assert_eq!(listing(dir.path()), ["a"]);
    }

    #[test]
    fn restore_refuses_when_the_file_changed_since() {
        let (dir, ws) = setup();
        let file = dir.path().join("f.txt");
        fs::write(&file, "v1").unwrap();
        let snap = write(&ws, "f.txt", b"v2").unwrap();
        fs::write(&file, "v3 by a person").unwrap();
        assert!(changed_since(&ws, &snap).unwrap());
        let err = restore(&ws, &snap).unwrap_err();
        assert!(matches!(&err, ExecError::Changed { path } if path == "f.txt"));
        assert!(err.to_string().contains("`f.txt` changed since"));
        assert_eq!(fs::read_to_string(&file).unwrap(), "v3 by a person");

        // A file the action deleted that someone recreated.
        let snap = delete(&ws, "f.txt").unwrap();
        fs::write(&file, "recreated").unwrap();
        assert!(changed_since(&ws, &snap).unwrap());
        assert!(matches!(
            restore(&ws, &snap),
            Err(ExecError::Changed { .. })
        ));
        assert_eq!(fs::read_to_string(&file).unwrap(), "recreated");

        // A file the action created that someone removed is as it was before: nothing to do.
        let snap = write(&ws, "new/n.txt", b"n").unwrap();
        fs::remove_file(dir.path().join("new/n.txt")).unwrap();
        assert!(changed_since(&ws, &snap).unwrap());
        restore(&ws, &snap).unwrap();
        assert!(!dir.path().join("new").exists());
    }

    #[test]
    fn a_tampered_snapshot_is_refused() {
        let (dir, ws) = setup();
        fs::create_dir(dir.path().join("precious")).unwrap();
        let mut snap = write(&ws, "a/f.txt", b"x").unwrap();
        snap.created_dirs.push("precious".into());
        assert!(why(restore(&ws, &snap).unwrap_err()).contains("`precious`"));
        snap.created_dirs = vec!["a".into()];
        snap.path = "../f.txt".into();
        assert!(matches!(
            restore(&ws, &snap),
            Err(ExecError::Refused { .. })
        ));
        assert!(dir.path().join("a/f.txt").exists());
    }

    #[test]
    fn snapshots_serialise_without_content() {
        let (dir, ws) = setup();
        fs::write(dir.path().join(".env"), "API_KEY=sk-very-secret\n").unwrap();
        let snap = write(&ws, ".env", b"API_KEY=sk-another-secret\n").unwrap();
        let json = serde_json::to_string(&snap).unwrap();
        assert!(!json.contains("secret"), "{json}");
        let back: Snapshot = serde_json::from_str(&json).unwrap();
        assert_eq!(back, snap);
        // What a later `rollback RUN_ID` does: the snapshot from the trail, the blob from disk.
        restore(&ws, &back).unwrap();
        assert_eq!(
            fs::read_to_string(dir.path().join(".env")).unwrap(),
            "API_KEY=sk-very-secret\n"
        );
        assert!(
            serde_json::from_str::<Snapshot>(
                r#"{"path":"x","before":null,"after_sha256":null,"created_dirs":[],"bytes":"x"}"#
            )
            .is_err()
        );
    }

    #[test]
    fn blobs_round_trip_and_a_corrupted_blob_is_refused() {
        let (dir, ws) = setup();
        let sha = save_blob(&ws, b"previous content").unwrap();
        assert_eq!(sha, sha256_hex(b"previous content"));
        assert_eq!(load_blob(&ws, &sha).unwrap(), b"previous content");
        let store = dir.path().join(SNAPSHOT_DIR);
        assert_eq!(mode(&store.join(&sha)), 0o600);
        assert_eq!(mode(&store), 0o700);
        assert_eq!(save_blob(&ws, b"previous content").unwrap(), sha);
        assert_eq!(fs::read_dir(&store).unwrap().count(), 1);
        assert_eq!(
            load_blob(&ws, &sha256_hex(b"")).map(|_| ()).map_err(why),
            Err("the snapshot is missing, so the change cannot be undone".into())
        );

        fs::write(store.join(&sha), "tampered").unwrap();
        assert!(why(load_blob(&ws, &sha).unwrap_err()).contains("corrupted"));
        // Saving the same content again repairs it.
        save_blob(&ws, b"previous content").unwrap();
        assert_eq!(load_blob(&ws, &sha).unwrap(), b"previous content");

        for bad in ["../../etc/passwd", "ABC", &sha.to_uppercase()] {
            assert!(why(load_blob(&ws, bad).unwrap_err()).contains("sha256"));
        }

        // A corrupted blob stops the restore, and the file is left as the action left it.
        fs::write(dir.path().join("f"), "old").unwrap();
        let snap = write(&ws, "f", b"new").unwrap();
        fs::write(store.join(snap.blob().unwrap()), "oops").unwrap();
        assert!(why(restore(&ws, &snap).unwrap_err()).contains("corrupted"));
        assert_eq!(fs::read_to_string(dir.path().join("f")).unwrap(), "new");
    }

    #[test]
    fn a_blob_store_behind_a_symlink_is_refused() {
        let outside = tempfile::tempdir().unwrap();
        let (dir, ws) = setup();
        symlink(outside.path(), dir.path().join(".agentgate")).unwrap();
        fs::write(dir.path().join("f"), "old").unwrap();
        assert!(why(write(&ws, "f", b"new").unwrap_err()).contains("outside"));
        assert_eq!(fs::read_to_string(dir.path().join("f")).unwrap(), "old");
        assert_eq!(fs::read_dir(outside.path()).unwrap().count(), 0);
    }

    #[test]
    fn files_too_large_to_snapshot_are_not_changed() {
        let (dir, ws) = setup();
        let big = File::create(dir.path().join("big")).unwrap();
        big.set_len(MAX_SNAPSHOT_BYTES + 1).unwrap();
        assert!(why(write(&ws, "big", b"x").unwrap_err()).contains("not snapshotted"));
        assert!(why(delete(&ws, "big").unwrap_err()).contains("not snapshotted"));
        assert_eq!(
            fs::metadata(dir.path().join("big")).unwrap().len(),
            MAX_SNAPSHOT_BYTES + 1
        );
    }

    #[test]
    fn no_temporary_file_is_left_after_success_or_failure() {
        let (dir, ws) = setup();
        fs::write(dir.path().join("f"), "old").unwrap();
        write(&ws, "f", b"new").unwrap();
        write(&ws, "g/h", b"new").unwrap();
        assert_eq!(listing(dir.path()), ["f", "g", "g/h"]);
        assert!(temp_files(dir.path()).is_empty());

        // A failure after the temporary file was written: the parent turned into a link between
        // the checks and the rename. The target is untouched and the temporary file gone.
        fs::create_dir(dir.path().join("real")).unwrap();
        fs::write(dir.path().join("real/t"), "old").unwrap();
        symlink(dir.path().join("real"), dir.path().join("link")).unwrap();
        let meta = fs::symlink_metadata(dir.path().join("real/t")).unwrap();
        let raced = Target {
            rel: "link/t".into(),
            abs: ws.root().join("link/t"),
            parent: ws.root().join("link"),
            missing_dirs: Vec::new(),
            found: Found::File(meta),
        };
        let err = why(atomic_write(&raced, b"new", 0o644, true).unwrap_err());
        assert!(err.contains("replaced by a symlink"), "{err}");
        assert_eq!(
            fs::read_to_string(dir.path().join("real/t")).unwrap(),
            "old"
        );
        assert!(
            temp_files(dir.path()).is_empty(),
            "{:?}",
            listing(dir.path())
        );

        // A new file that appeared meanwhile is not clobbered, and nothing is left either.
        let mut target = confine(&ws, "late").unwrap();
        fs::write(dir.path().join("late"), "someone else's").unwrap();
        target.found = Found::Missing;
        assert!(atomic_write(&target, b"mine", 0o644, true).is_err());
        assert_eq!(
            fs::read_to_string(dir.path().join("late")).unwrap(),
            "someone else's"
        );
        assert!(temp_files(dir.path()).is_empty());
    }

    #[test]
    fn readers_never_see_a_half_written_file() {
        let (dir, ws) = setup();
        let a = vec![b'a'; 256 * 1024];
        let b = vec![b'b'; 256 * 1024];
        write(&ws, "big.txt", &a).unwrap();
        let path = dir.path().join("big.txt");
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let reader = {
            let done = done.clone();
            let (a, b) = (a.clone(), b.clone());
            std::thread::spawn(move || {
                let mut reads = 0;
                while !done.load(std::sync::atomic::Ordering::Relaxed) {
                    let seen = fs::read(&path).unwrap();
                    assert!(
                        seen == a || seen == b,
                        "a torn read of {} bytes",
                        seen.len()
                    );
                    reads += 1;
                }
                reads
            })
        };
        for i in 0..40 {
            write(&ws, "big.txt", if i % 2 == 0 { &b } else { &a }).unwrap();
        }
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        assert!(reader.join().unwrap() > 0);
        assert!(temp_files(dir.path()).is_empty());
    }
}
