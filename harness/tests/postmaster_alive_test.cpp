// Whether a cluster's server still runs, read from its postmaster.pid (server.hpp): a live server
// keeps its cluster; a dead one (killed outright, its pid file left behind), a zombie and a process
// that merely reused the PID do not. No PostgreSQL here: each case is a pid file naming a process
// this test made.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "verdict/server.hpp"

namespace {

namespace fs = std::filesystem;

class PostmasterAlive : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("verdict-postmaster-" + std::to_string(getpid()));
    fs::create_directories(root_ / "data");
  }
  void TearDown() override {
    for (pid_t child : children_) {
      kill(-child, SIGKILL);  // the group: sh and its sleep, which holds ctest's pipe otherwise
      kill(child, SIGKILL);
      waitpid(child, nullptr, 0);
    }
    fs::remove_all(root_);
  }
  void pid_file(const std::string& text) { std::ofstream(root_ / "data" / "postmaster.pid") << text; }
  // A child that runs `sleep 60` with `arg` on its command line, as a postmaster has its data directory.
  pid_t sleeper(const std::string& arg) {
    pid_t child = fork();
    if (child == 0) {
      setpgid(0, 0);
      // "; :" keeps the shell from replacing itself with sleep (and so losing `arg`).
      execlp("sh", "sh", "-c", "sleep 60; :", arg.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    children_.push_back(child);
    for (int i = 0; i < 500; ++i) {  // until it has exec'd: before, its command line is ours
      std::ifstream cmdline("/proc/" + std::to_string(child) + "/cmdline");
      std::string text((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
      if (text.find(arg) != std::string::npos) break;
      usleep(10000);
    }
    return child;
  }
  bool alive() const { return verdict::db::postmaster_alive(root_.string()); }

  fs::path root_;
  std::vector<pid_t> children_;
};

TEST_F(PostmasterAlive, ALiveProcessThatIsTheClustersServer) {
  pid_file(std::to_string(sleeper((root_ / "data").string())) + "\n" + (root_ / "data").string() + "\n");
  EXPECT_TRUE(alive());
}

TEST_F(PostmasterAlive, AProcessThatIsGone) {
  pid_t child = fork();
  if (child == 0) _exit(0);
  waitpid(child, nullptr, 0);  // reaped: no process has this PID now
  pid_file(std::to_string(child) + "\n");
  EXPECT_FALSE(alive());
}

TEST_F(PostmasterAlive, AZombieIsDead) {
  pid_t child = fork();
  if (child == 0) _exit(0);
  children_.push_back(child);  // not reaped until TearDown: a zombie meanwhile
  for (int i = 0; i < 200; ++i) {
    std::ifstream stat("/proc/" + std::to_string(child) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    if (text.find(") Z ") != std::string::npos) break;
    usleep(10000);
  }
  pid_file(std::to_string(child) + "\n");
  EXPECT_FALSE(alive());
}

TEST_F(PostmasterAlive, APidReusedByAnotherProgramIsNotTheServer) {
  pid_file(std::to_string(sleeper("/somewhere/else/data")) + "\n");
  EXPECT_FALSE(alive());
}

TEST_F(PostmasterAlive, AnUnreadablePidFileCountsAsAlive) {
  pid_file("");  // being written by a starting server
  EXPECT_TRUE(alive());
}

}  // namespace
