#pragma once
/// Small text outputs (metrics, summaries, pictures) written atomically: the contents go to a
/// temporary file in the same directory, which is flushed and renamed over `path`, so a reader
/// (or a crash) sees either the old file or the complete new one, never a half-written one.
///   write_text_file("out/summary.json", json);
#include <string>
#include <string_view>

namespace graphpool {

/// Throws IoError naming the path when the directory is missing or the write fails (the
/// temporary file is removed then).
void write_text_file(const std::string& path, std::string_view contents);

}  // namespace graphpool
