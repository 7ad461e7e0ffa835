// SmallFilesystem: a tmpfs of a few MiB mounted by a test, to fill it up; unmounted on
// destruction. Mounting needs root (or CAP_SYS_ADMIN): check mounted() and skip with error()
// when it failed. Nothing may keep a file in it open when it is destroyed (stop servers first).
#ifndef HITCOUNTER_TESTS_SUPPORT_SMALL_FILESYSTEM_H_
#define HITCOUNTER_TESTS_SUPPORT_SMALL_FILESYSTEM_H_

#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

namespace hitcounter::testing {

class SmallFilesystem {
 public:
  // Mounts a tmpfs of `megabytes` MiB on `dir`, which is created if needed.
  SmallFilesystem(std::string dir, int megabytes) : dir_(std::move(dir)) {
    std::error_code ignored;
    std::filesystem::create_directories(dir_, ignored);
    const std::string options = "size=" + std::to_string(megabytes) + "m,mode=0700";
    if (mount("tmpfs", dir_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) == 0) {
      mounted_ = true;
    } else {
      error_ = "cannot mount a tmpfs on " + dir_ +
               " (needs root or CAP_SYS_ADMIN): " + std::strerror(errno);
    }
  }
  ~SmallFilesystem() {
    if (!mounted_) return;
    if (umount2(dir_.c_str(), 0) != 0) {
      std::fprintf(stderr, "cannot unmount %s (%s): detaching it\n", dir_.c_str(),
                   std::strerror(errno));
      umount2(dir_.c_str(), MNT_DETACH);
    }
  }
  SmallFilesystem(const SmallFilesystem&) = delete;
  SmallFilesystem& operator=(const SmallFilesystem&) = delete;

  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }
  const std::string& dir() const { return dir_; }

  // Writes zeros into a filler file until the filesystem has no byte left; the bytes written,
  // or -1 when the file cannot be made.
  std::int64_t FillUp() {
    int fd = open(FillerPath().c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    static const char kZeros[64 * 1024] = {};
    std::int64_t total = 0;
    // Smaller and smaller writes, down to the last byte of the last page.
    for (std::size_t size : {sizeof kZeros, std::size_t{4096}, std::size_t{1}}) {
      for (ssize_t wrote; (wrote = write(fd, kZeros, size)) > 0;) total += wrote;
    }
    close(fd);
    return total;
  }

  // Deletes the filler file: its space is free again. False when there was none.
  bool Free() { return unlink(FillerPath().c_str()) == 0; }

  // Remounts the filesystem read-only (every file in it becomes unwritable, even for root),
  // or writable again. False when the remount failed.
  bool SetReadOnly(bool read_only) {
    const unsigned long flags = MS_REMOUNT | MS_NOSUID | MS_NODEV | (read_only ? MS_RDONLY : 0);
    return mount("tmpfs", dir_.c_str(), "tmpfs", flags, nullptr) == 0;
  }

 private:
  std::string FillerPath() const { return dir_ + "/filler"; }

  std::string dir_;
  bool mounted_ = false;
  std::string error_;
};

}  // namespace hitcounter::testing

#endif  // HITCOUNTER_TESTS_SUPPORT_SMALL_FILESYSTEM_H_
