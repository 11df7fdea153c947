// The structured log sink (log.hpp): a run's mutations.jsonl holds that run's lines only, each a
// whole line on disk as soon as it is written, whatever an earlier run left in the file.

#include "verdict/log.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(LogSink, StartsAfreshAndWritesWholeLinesAtOnce) {
  const std::string path = "/tmp/verdict-log-test-" + std::to_string(getpid()) + ".jsonl";
  {
    // What a run killed mid-line leaves: an object without its newline.
    std::ofstream torn(path);
    torn << R"({"mutation_id":"torn")";
  }
  verdict::log::set_sink_path(path);
  verdict::log::write_line(R"({"a":1})");
  // On disk before the sink closes: a process that dies now leaves the line whole.
  EXPECT_EQ(read_all(path), "{\"a\":1}\n");
  verdict::log::write_line(R"({"b":2})");
  verdict::log::set_sink_path("");
  EXPECT_EQ(read_all(path), "{\"a\":1}\n{\"b\":2}\n");
  std::remove(path.c_str());
}

}  // namespace
