// FileLock: an exclusive advisory lock (flock) on a file, held for the lock's lifetime, so that
// one process at a time owns a database whose state it keeps in memory.
//
// flock() locks are independent of the POSIX record locks SQLite takes on the same file (on
// Linux, for local files), and the kernel drops them when the process dies, kill -9 included.
#ifndef HITCOUNTER_STORE_FILE_LOCK_H_
#define HITCOUNTER_STORE_FILE_LOCK_H_

#include <string>

#include "hitcounter/status.h"

namespace hitcounter {

class FileLock {
 public:
  // Locks `path`, creating an empty file if there is none. kUnavailable when another process
  // holds the lock (`in_use` says what to do about it) or the file cannot be opened.
  static Result<FileLock> Acquire(const std::string& path, std::string_view in_use);

  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  // Unlocks. Closing the descriptor would also drop any POSIX lock this process holds on the
  // file (SQLite's): destroy the lock only after the file's SQLite connections are closed.
  ~FileLock();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace hitcounter

#endif  // HITCOUNTER_STORE_FILE_LOCK_H_
