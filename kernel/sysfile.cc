// File-system system calls: argument checking, then calls into file.cc, fs.cc and pipe.cc. Each
// reads its arguments with argint/argaddr/argstr; internally everything returns Result, and each
// sys_ function turns any failure (bad pointer, bad fd, negative count, missing file...) into -1.
//
// Every function here that touches inodes runs inside begin_op()/end_op(), because iput (and so
// namei) may free an inode on disk.

#include "kernel/sysfile.h"

#include "kernel/exec.h"
#include "kernel/fcntl.h"
#include "kernel/file.h"
#include "kernel/fs.h"
#include "kernel/inode.h"
#include "kernel/kstring.h"
#include "kernel/log.h"
#include "kernel/param.h"
#include "kernel/pipe.h"
#include "kernel/printf.h"
#include "kernel/proc.h"
#include "kernel/stat.h"
#include "kernel/sysargs.h"
#include "kernel/types.h"

namespace {

// An open file descriptor of the current process.
struct Fd {
  int fd;
  File* file;
};

// The file descriptor in argument n: Error::BadFd unless it is in range and open.
Result<Fd> argfd(int n) {
  int fd = argint(n);
  if (fd < 0 || fd >= NOFILE)
    return Error::BadFd;
  File* f = myproc()->ofile[fd];
  if (f == nullptr)
    return Error::BadFd;
  return Fd{fd, f};
}

// Gives f the lowest free descriptor of the current process (taking over the caller's reference).
Result<int> fdalloc(File* f) {
  Proc* p = myproc();
  for (int fd = 0; fd < NOFILE; fd++) {
    if (p->ofile[fd] == nullptr) {
      p->ofile[fd] = f;
      return fd;
    }
  }
  return Error::NoSpace;
}

// True if directory dp holds nothing but "." and "..".
bool isdirempty(Inode* dp) REQUIRES(dp->lock) {
  dirent de{};
  for (uint off = 2 * sizeof(de); off < dp->size; off += sizeof(de)) {
    Result<int> r = readi(dp, /*user_dst=*/false, reinterpret_cast<uint64>(&de), off, sizeof(de));
    if (!r.ok() || r.value() != static_cast<int>(sizeof(de)))
      panic("isdirempty: cannot read directory %u", dp->inum);
    if (de.inum != 0)
      return false;
  }
  return true;
}

// Creates path as a new inode of `type` and returns it referenced and UNLOCKED. Opening an existing
// path with type T_FILE succeeds if it is a file or device (open's O_CREATE); anything else that
// exists is Error::Exists; a directory whose nlink is at MAXLINK takes no new subdirectory
// (Error::TooBig). Inside a transaction.
Result<Inode*> create(const char* path, short type, short major, short minor) {
  char name[DIRSIZ];
  Inode* dp = nameiparent(path, name);
  if (dp == nullptr)
    return Error::NotFound;
  ilock(dp);

  Result<Inode*> existing = dirlookup(dp, name, nullptr);
  if (existing.ok()) {
    Inode* ip = existing.value();
    iunlockput(dp);
    ilock(ip);
    bool reuse = type == T_FILE && (ip->type == T_FILE || ip->type == T_DEVICE);
    iunlock(ip);
    if (reuse)
      return ip;
    iput(ip);
    return Error::Exists;
  }
  if (existing.error() != Error::NotFound) { // it may exist: create nothing
    iunlockput(dp);
    return existing.error();
  }
  if (type == T_DIR && dp->nlink >= MAXLINK) { // the new ".." would overflow dp's nlink
    iunlockput(dp);
    return Error::TooBig;
  }

  Result<Inode*> made = ialloc(dp->dev, type);
  if (!made.ok()) {
    iunlockput(dp);
    return made.error();
  }
  Inode* ip = made.value();
  ilock(ip);
  ip->major = major;
  ip->minor = minor;
  ip->nlink = 1;
  iupdate(ip);

  Result<void> linked;
  if (type == T_DIR) { // "." and ".." entries; "." is not counted in nlink, to avoid a cycle
    linked = dirlink(ip, ".", ip->inum);
    if (linked.ok())
      linked = dirlink(ip, "..", dp->inum);
  }
  if (linked.ok())
    linked = dirlink(dp, name, ip->inum);
  if (!linked.ok()) {
    // Undo: with nlink 0 the final iput frees the inode and any directory block it got.
    ip->nlink = 0;
    iupdate(ip);
    iunlockput(ip);
    iunlockput(dp);
    return linked.error();
  }
  if (type == T_DIR) { // the new directory's ".." names dp
    dp->nlink++;
    iupdate(dp);
  }
  iunlockput(dp);
  iunlock(ip);
  return ip;
}

// link(old, new) inside a transaction. Error::TooBig if old already has MAXLINK links.
Result<void> link_op(const char* old, const char* newpath) {
  Inode* ip = namei(old);
  if (ip == nullptr)
    return Error::NotFound;
  ilock(ip);
  if (ip->type == T_DIR) {
    iunlockput(ip);
    return Error::IsDir;
  }
  if (ip->nlink >= MAXLINK) { // nlink is 16 bits on disk
    iunlockput(ip);
    return Error::TooBig;
  }
  ip->nlink++;
  iupdate(ip);
  iunlock(ip);

  Result<void> linked = Error::NotFound;
  char name[DIRSIZ];
  if (Inode* dp = nameiparent(newpath, name); dp != nullptr) {
    ilock(dp);
    linked = dp->dev != ip->dev ? Result<void>(Error::Invalid) : dirlink(dp, name, ip->inum);
    iunlockput(dp);
  }
  if (!linked.ok()) { // take back the link count
    ilock(ip);
    ip->nlink--;
    iupdate(ip);
    iunlockput(ip);
    return linked;
  }
  iput(ip);
  return {};
}

// unlink(path) inside a transaction.
Result<void> unlink_op(const char* path) {
  char name[DIRSIZ];
  Inode* dp = nameiparent(path, name);
  if (dp == nullptr)
    return Error::NotFound;
  ilock(dp);
  if (namecmp(name, ".") || namecmp(name, "..")) { // cannot be unlinked
    iunlockput(dp);
    return Error::Invalid;
  }
  uint off = 0;
  Result<Inode*> found = dirlookup(dp, name, &off);
  if (!found.ok()) {
    iunlockput(dp);
    return found.error();
  }
  Inode* ip = found.value();
  ilock(ip); // parent before child: the locking order namex uses too
  if (ip->nlink < 1)
    panic("unlink: inode %u has nlink %d", ip->inum, ip->nlink);
  if (ip->type == T_DIR && !isdirempty(ip)) {
    iunlockput(ip);
    iunlockput(dp);
    return Error::Busy;
  }
  dirent de{};
  Result<int> w = writei(dp, /*user_src=*/false, reinterpret_cast<uint64>(&de), off, sizeof(de));
  if (!w.ok() || w.value() != static_cast<int>(sizeof(de)))
    panic("unlink: cannot clear entry in directory %u", dp->inum);
  if (ip->type == T_DIR) { // the child's ".." no longer names dp
    dp->nlink--;
    iupdate(dp);
  }
  iunlockput(dp);
  ip->nlink--;
  iupdate(ip);
  iunlockput(ip);
  return {};
}

// open(path, omode) inside a transaction: returns the new descriptor.
Result<int> open_op(const char* path, int omode) {
  Inode* ip = nullptr;
  if (omode & O_CREATE) {
    TRY_ASSIGN(ip, create(path, T_FILE, 0, 0));
    ilock(ip);
  } else {
    ip = namei(path);
    if (ip == nullptr)
      return Error::NotFound;
    ilock(ip);
    if (ip->type == T_DIR && omode != O_RDONLY) { // directories open read-only
      iunlockput(ip);
      return Error::IsDir;
    }
  }
  if (ip->type == T_DEVICE && (ip->major < 0 || ip->major >= NDEV)) {
    iunlockput(ip);
    return Error::Invalid;
  }

  File* f = filealloc();
  Result<int> fd = f != nullptr ? fdalloc(f) : Result<int>(Error::NoSpace);
  if (!fd.ok()) {
    if (f != nullptr)
      fileclose(f); // still FileType::None: only frees the slot
    iunlockput(ip);
    return fd.error();
  }
  if (ip->type == T_DEVICE) {
    f->type = FileType::Device;
    f->major = ip->major;
  } else {
    f->type = FileType::Inode;
    f->off = 0;
  }
  f->ip = ip;
  f->readable = (omode & O_WRONLY) == 0;
  f->writable = (omode & O_WRONLY) != 0 || (omode & O_RDWR) != 0;
  if ((omode & O_TRUNC) && ip->type == T_FILE)
    itrunc(ip);
  iunlock(ip);
  return fd;
}

// chdir(path) inside a transaction: the new cwd, referenced.
Result<Inode*> chdir_op(const char* path) {
  Inode* ip = namei(path);
  if (ip == nullptr)
    return Error::NotFound;
  ilock(ip);
  if (ip->type != T_DIR) {
    iunlockput(ip);
    return Error::NotDir;
  }
  iunlock(ip);
  return ip;
}

// Runs create() in its own transaction and drops the returned inode (mkdir, mknod).
Result<void> make_node(const char* path, short type, short major, short minor) {
  begin_op();
  Result<Inode*> ip = create(path, type, major, minor);
  if (ip.ok())
    iput(ip.value());
  end_op();
  if (!ip.ok())
    return ip.error();
  return {};
}

} // namespace

// int dup(int fd): gives fd's open file a second descriptor, the lowest free one, and returns it.
uint64 sys_dup() {
  Result<Fd> fd = argfd(0);
  if (!fd.ok())
    return kSyscallError;
  Result<int> nfd = fdalloc(fd.value().file);
  if (!nfd.ok())
    return kSyscallError;
  filedup(fd.value().file);
  return static_cast<uint64>(nfd.value());
}

// int read(int fd, void* buf, int n): reads up to n bytes; returns the count, 0 at end of file.
uint64 sys_read() {
  Result<Fd> fd = argfd(0);
  uint64 addr = argaddr(1);
  int n = argint(2);
  if (!fd.ok() || n < 0)
    return kSyscallError;
  image_preload(addr, static_cast<uint64>(n)); // fileread copies under the file's or pipe's lock
  return to_user(fileread(fd.value().file, addr, n));
}

// int write(int fd, const void* buf, int n): writes n bytes; returns the count written.
uint64 sys_write() {
  Result<Fd> fd = argfd(0);
  uint64 addr = argaddr(1);
  int n = argint(2);
  if (!fd.ok() || n < 0)
    return kSyscallError;
  image_preload(addr, static_cast<uint64>(n)); // filewrite copies under the file's or pipe's lock
  return to_user(filewrite(fd.value().file, addr, n));
}

// int close(int fd): frees the descriptor and drops its reference to the open file.
uint64 sys_close() {
  Result<Fd> fd = argfd(0);
  if (!fd.ok())
    return kSyscallError;
  myproc()->ofile[fd.value().fd] = nullptr;
  fileclose(fd.value().file);
  return 0;
}

// int fstat(int fd, struct stat* st): copies the metadata of fd's inode to *st.
uint64 sys_fstat() {
  Result<Fd> fd = argfd(0);
  uint64 st = argaddr(1);
  if (!fd.ok())
    return kSyscallError;
  return to_user(filestat(fd.value().file, st));
}

// int link(const char* old, const char* new): makes new a second name for the file old, in one
// transaction. Directories cannot be linked.
uint64 sys_link() {
  char old[MAXPATH];
  char newpath[MAXPATH];
  if (!argstr(0, old, MAXPATH).ok() || !argstr(1, newpath, MAXPATH).ok())
    return kSyscallError;
  begin_op();
  Result<void> r = link_op(old, newpath);
  end_op();
  return to_user(r);
}

// int unlink(const char* path): removes a name (not "." or "..", and only empty directories); the
// inode is freed when its last link and its last reference are gone. One transaction.
uint64 sys_unlink() {
  char path[MAXPATH];
  if (!argstr(0, path, MAXPATH).ok())
    return kSyscallError;
  begin_op();
  Result<void> r = unlink_op(path);
  end_op();
  return to_user(r);
}

// int open(const char* path, int omode): opens (O_CREATE: creates) path and returns the lowest free
// descriptor for it; O_TRUNC empties a file. One transaction.
uint64 sys_open() {
  char path[MAXPATH];
  int omode = argint(1);
  if (!argstr(0, path, MAXPATH).ok())
    return kSyscallError;
  begin_op();
  Result<int> fd = open_op(path, omode);
  end_op();
  return to_user(fd);
}

// int mkdir(const char* path): creates an empty directory (holding "." and "..").
uint64 sys_mkdir() {
  char path[MAXPATH];
  if (!argstr(0, path, MAXPATH).ok())
    return kSyscallError;
  return to_user(make_node(path, T_DIR, 0, 0));
}

// int mknod(const char* path, short major, short minor): creates a device file for driver major.
uint64 sys_mknod() {
  char path[MAXPATH];
  short major = static_cast<short>(argint(1));
  short minor = static_cast<short>(argint(2));
  if (!argstr(0, path, MAXPATH).ok())
    return kSyscallError;
  return to_user(make_node(path, T_DEVICE, major, minor));
}

// int chdir(const char* path): makes the directory path the process's cwd, dropping the old one
// inside the same transaction (the put may free an unlinked directory).
uint64 sys_chdir() {
  char path[MAXPATH];
  if (!argstr(0, path, MAXPATH).ok())
    return kSyscallError;
  Proc* p = myproc();
  begin_op();
  Result<Inode*> ip = chdir_op(path);
  if (ip.ok()) {
    iput(p->cwd);
    p->cwd = ip.value();
  }
  end_op();
  return ip.ok() ? 0 : kSyscallError;
}

// int pipe(int fds[2]): creates a pipe and stores its read and write descriptors in fds; on any
// failure both files are closed and no descriptor stays allocated.
uint64 sys_pipe() {
  uint64 fdarray = argaddr(0); // user pointer to int[2]
  File* rf = nullptr;
  File* wf = nullptr;
  if (!pipealloc(&rf, &wf).ok())
    return kSyscallError;
  Proc* p = myproc();
  Result<int> fd0 = fdalloc(rf);
  Result<int> fd1 = fd0.ok() ? fdalloc(wf) : Result<int>(Error::NoSpace);
  int fds[2] = {fd0.value_or(-1), fd1.value_or(-1)};
  if (!fd1.ok() || !either_copyout(/*user_dst=*/true, fdarray, fds, sizeof(fds)).ok()) {
    if (fd0.ok())
      p->ofile[fd0.value()] = nullptr;
    if (fd1.ok())
      p->ofile[fd1.value()] = nullptr;
    fileclose(rf);
    fileclose(wf);
    return kSyscallError;
  }
  return 0;
}
