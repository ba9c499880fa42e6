//! The workspace: the folder a plan may touch. It owns path confinement (no `..` escape, no
//! absolute path, no symlink pointing out) and reading current file state; it never writes.

use std::fs;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// Largest file agentgate reads to render a diff or fingerprint a target.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct Workspace {
    root: PathBuf,
    /// Executors skip the per-file fsync; the caller syncs once (see `execute::file::sync`).
    defer_sync: bool,
}

/// A path inside the workspace, as the plan wrote it (normalised) and as it is on disk.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WsPath {
    /// Normalised relative path with `/` separators, e.g. `config/staging.yaml`.
    pub relative: String,
    pub absolute: PathBuf,
}

/// What a file looks like now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileState {
    Missing,
    Text(String),
    /// Not UTF-8, or larger than [`MAX_FILE_BYTES`]: shown by size only.
    Opaque {
        bytes: u64,
    },
    Directory,
}

impl Workspace {
    /// A workspace rooted at `root`, which must exist and be a directory.
    pub fn open(root: &Path) -> Result<Workspace, String> {
        let root =
            fs::canonicalize(root).map_err(|e| format!("workspace {}: {e}", root.display()))?;
        if !root.is_dir() {
            return Err(format!("workspace {} is not a directory", root.display()));
        }
        Ok(Workspace {
            root,
            defer_sync: false,
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The same workspace, for executors that leave durability to one sync at the end (an
    /// apply of many files: one flush instead of one per file).
    pub fn deferring_sync(&self) -> Workspace {
        Workspace {
            defer_sync: true,
            ..self.clone()
        }
    }

    /// Whether executors fsync each file they write.
    pub fn syncs_each_file(&self) -> bool {
        !self.defer_sync
    }

    /// Confine `raw` to the workspace. Refuses absolute paths, `..` that leaves the root, NUL
    /// bytes, and any existing component that is a symlink resolving outside the root.
    pub fn resolve(&self, raw: &str) -> Result<WsPath, String> {
        let relative = normalise(raw)?;
        let absolute = self.root.join(&relative);
        let mut probe = self.root.clone();
        // Where the path really leads once symlinks inside the workspace are followed: rules
        // match on that, so `g/hooks/x` with `g -> .git` is seen as `.git/hooks/x`.
        let mut real: Option<PathBuf> = None;
        let parts: Vec<&str> = relative.split('/').collect();
        for (i, part) in parts.iter().enumerate() {
            probe.push(part);
            match fs::symlink_metadata(&probe) {
                Ok(meta) if meta.file_type().is_symlink() => match fs::canonicalize(&probe) {
                    Ok(target) if target.starts_with(&self.root) => {
                        let mut resolved = target.clone();
                        resolved.extend(&parts[i + 1..]);
                        real = Some(resolved);
                    }
                    Ok(target) => {
                        return Err(format!(
                            "`{raw}` goes through the symlink `{}` which points outside the workspace (to {})",
                            probe.strip_prefix(&self.root).unwrap_or(&probe).display(),
                            target.display()
                        ));
                    }
                    // A dangling symlink could be created to point anywhere later: refuse it.
                    Err(_) => {
                        return Err(format!(
                            "`{raw}` goes through the dangling symlink `{}`",
                            probe.strip_prefix(&self.root).unwrap_or(&probe).display()
                        ));
                    }
                },
                Ok(_) => {}
                Err(_) => break,
            }
        }
        if let Some(real) = real
            && let Ok(rest) = real.strip_prefix(&self.root)
        {
            let real_relative = rest.to_string_lossy().replace('\\', "/");
            if !real_relative.is_empty() && real_relative != relative {
                return Ok(WsPath {
                    relative: real_relative,
                    absolute,
                });
            }
        }
        Ok(WsPath { relative, absolute })
    }

    /// The current state of a confined file, bounded in size.
    pub fn read(&self, path: &WsPath) -> Result<FileState, String> {
        let meta = match fs::metadata(&path.absolute) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(FileState::Missing),
            Err(e) => return Err(format!("{}: {e}", path.relative)),
        };
        if meta.is_dir() {
            return Ok(FileState::Directory);
        }
        if meta.len() > MAX_FILE_BYTES {
            return Ok(FileState::Opaque { bytes: meta.len() });
        }
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        fs::File::open(&path.absolute)
            .and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
            .map_err(|e| format!("{}: {e}", path.relative))?;
        match String::from_utf8(bytes) {
            Ok(text) => Ok(FileState::Text(text)),
            Err(e) => Ok(FileState::Opaque {
                bytes: e.into_bytes().len() as u64,
            }),
        }
    }
}

/// Lexical normalisation: relative, `/`-separated, no `.`, `..` resolved without leaving the root.
pub fn normalise(raw: &str) -> Result<String, String> {
    if raw.is_empty() {
        return Err("empty path".into());
    }
    if raw.contains('\0') {
        return Err("path contains a NUL byte".into());
    }
    if raw.contains('\\') {
        return Err(format!(
            "`{raw}`: backslashes are not accepted in paths; use `/`"
        ));
    }
    let path = Path::new(raw);
    let mut parts: Vec<String> = Vec::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
            Component::CurDir => {}
            Component::ParentDir => {
                if parts.pop().is_none() {
                    return Err(format!("`{raw}` escapes the workspace through `..`"));
                }
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err(format!(
                    "`{raw}` is absolute; paths are relative to the workspace"
                ));
            }
        }
    }
    if raw.starts_with('~') {
        return Err(format!(
            "`{raw}` refers to a home directory; paths are relative to the workspace"
        ));
    }
    if parts.is_empty() {
        return Err(format!(
            "`{raw}` names the workspace itself, not a file in it"
        ));
    }
    Ok(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexical_rules() {
        assert_eq!(normalise("a/./b/../c.txt").unwrap(), "a/c.txt");
        assert!(normalise("../x").unwrap_err().contains(".."));
        assert!(normalise("a/../../x").is_err());
        assert!(normalise("/etc/passwd").unwrap_err().contains("absolute"));
        assert!(normalise("~/.ssh/id_rsa").is_err());
        assert!(normalise("").is_err());
        assert!(normalise(".").is_err());
        assert!(normalise("a\0b").is_err());
        assert!(normalise("..\\x").is_err());
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_out_are_refused_in_is_fine() {
        let outside = tempfile::tempdir().unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("out")).unwrap();
        std::fs::create_dir(dir.path().join("real")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("real"), dir.path().join("in")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("nowhere"), dir.path().join("dangling"))
            .unwrap();
        let ws = Workspace::open(dir.path()).unwrap();
        assert!(ws.resolve("out/x").unwrap_err().contains("outside"));
        assert!(ws.resolve("out").unwrap_err().contains("outside"));
        assert_eq!(ws.resolve("in/x").unwrap().relative, "real/x");
        assert!(ws.resolve("dangling").unwrap_err().contains("dangling"));
        assert!(ws.resolve("new/dir/file").is_ok());
    }

    #[test]
    fn reads_state() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("t.txt"), "hi\n").unwrap();
        std::fs::write(dir.path().join("b.bin"), [0xff, 0xfe, 0]).unwrap();
        let ws = Workspace::open(dir.path()).unwrap();
        let read = |p: &str| ws.read(&ws.resolve(p).unwrap()).unwrap();
        assert_eq!(read("t.txt"), FileState::Text("hi\n".into()));
        assert_eq!(read("b.bin"), FileState::Opaque { bytes: 3 });
        assert_eq!(read("none"), FileState::Missing);
    }
}
