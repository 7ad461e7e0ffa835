#include "store/file_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstring>
#include <utility>

namespace hitcounter {

Result<FileLock> FileLock::Acquire(const std::string& path, std::string_view in_use) {
  // The mode SQLite gives the files it creates.
  constexpr mode_t kNewFileMode = 0644;
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, kNewFileMode);
  if (fd < 0 && (errno == EACCES || errno == EROFS)) {
    fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);  // refused later, with a clearer message
  }
  if (fd < 0) return Status::Unavailable("cannot open " + path + ": " + std::strerror(errno));
  FileLock lock(fd);
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return Status::Unavailable(path + " is in use by another process: " + std::string(in_use));
    }
    return Status::Unavailable("cannot lock " + path + ": " + std::strerror(errno));
  }
  return lock;
}

FileLock::FileLock(FileLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

FileLock::~FileLock() {
  if (fd_ >= 0) close(fd_);
}

}  // namespace hitcounter
