#pragma once
/// The write-then-rename protocol behind every output graphpool writes (datasets, checkpoints,
/// text): write the contents under temporary_path_for(path) in the same directory, then
/// replace_with(temp, path) flushes it, renames it over `path` and flushes the directory. A crash
/// or an error leaves `path` either untouched or complete, never half-written.
///   const std::string temp = temporary_path_for("out/summary.json");
///   ... write temp ...
///   replace_with(temp, "out/summary.json");
#include <string>

namespace graphpool {

/// "<path>.tmp-<pid>-<n>": unique within the process, in the same directory as `path`.
std::string temporary_path_for(const std::string& path);

/// fsync(temp), rename(temp, path), fsync(directory). On failure removes `temp` and throws IoError
/// naming `path`.
void replace_with(const std::string& temp, const std::string& path);

/// Removes the temporary files "<name>.tmp-<pid>-<n>" in `directory` (not recursive) that a
/// process which no longer runs left behind (killed mid-write); returns how many. Files of this
/// process and of live processes are kept.
///   remove_stale_temporaries("out/seed_0");   // at the start of a run writing there
int remove_stale_temporaries(const std::string& directory);

}  // namespace graphpool
