// sh: the shell. Reads a line, parses it (user/shparse.h has the grammar) and runs it:
//   ls; echo hi > out; cat < in | grep x | wc; (cd dir; ls) > listing; stressfs &
// `cd` is built in; a program not found in the current directory is looked for in /. A syntax
// error prints one line and the shell goes on; only the end of its input (Ctrl-D at the console)
// ends it. `sh file` reads commands from file instead of the console and prints no prompt.

#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "user/user.h"
#include "user/shparse.h"

namespace {

using sh::Cmd;
using sh::Kind;

constexpr int kLineMax = 512; // longest command line, newline included

char line[kLineMax];
sh::Parser parser; // trivially constructible: no global constructor
bool interactive = true;

int run(Cmd* cmd);

[[noreturn]] void die(const char* what) {
  fprintf(2, "sh: %s\n", what);
  exit(1);
}

int fork_or_die() {
  int pid = fork();
  if (pid < 0)
    die("fork failed");
  return pid;
}

// Waits until child `pid` exits and returns its status; other children exiting meanwhile (earlier
// background jobs) are reaped along the way. Returns -1 if there is no such child.
int wait_for(int pid) {
  for (;;) {
    int status = 0;
    int w = wait(&status);
    if (w < 0)
      return -1;
    if (w == pid)
      return status;
  }
}

// Moves the file offset of fd to the end of the file, for '>>' (lazyv6 has no lseek).
void seek_to_end(int fd) {
  struct stat st;
  if (fstat(fd, &st) < 0 || st.type != T_FILE)
    return;
  static char scratch[512];
  while (read(fd, scratch, sizeof(scratch)) > 0) {
  }
}

// Applies cmd's redirections in order, in the child about to run it. Exits if one fails.
void redirect(const Cmd* cmd) {
  for (int i = 0; i < cmd->nredir; i++) {
    const sh::Redir& r = cmd->redirs[i];
    int flags = O_RDONLY;
    if (r.mode == sh::RedirMode::Write)
      flags = O_WRONLY | O_CREATE | O_TRUNC;
    if (r.mode == sh::RedirMode::Append)
      flags = O_RDWR | O_CREATE;

    close(r.fd);
    int fd = open(r.file, flags); // takes the lowest free descriptor: r.fd
    if (fd < 0) {
      fprintf(2, "open %s failed\n", r.file);
      exit(1);
    }
    if (fd != r.fd) {
      fprintf(2, "sh: cannot redirect fd %d\n", r.fd);
      exit(1);
    }
    if (r.mode == sh::RedirMode::Append)
      seek_to_end(fd);
  }
}

bool is_cd(const Cmd* cmd) {
  return cmd->kind == Kind::Exec && cmd->argc > 0 && strcmp(cmd->argv[0], "cd") == 0;
}

// The cd built-in: cd [dir], "/" by default. Returns the exit status.
int cd(const Cmd* cmd) {
  if (cmd->argc > 2) {
    fprintf(2, "cd: too many arguments\n");
    return 1;
  }
  const char* dir = cmd->argc == 2 ? cmd->argv[1] : "/";
  if (chdir(dir) < 0) {
    fprintf(2, "cannot cd %s\n", dir);
    return 1;
  }
  return 0;
}

// Programs live in the root directory: a bare name that is not found in the current directory
// ("ls" in /d) is tried as "/name". Returns only if that exec fails too.
void exec_from_root(char** argv) {
  static char path[128];
  const char* name = argv[0];
  if (strchr(name, '/') != nullptr || strlen(name) + 2 > sizeof(path))
    return;
  path[0] = '/';
  strcpy(path + 1, name);
  exec(path, argv);
}

// Turns this (forked) process into cmd: runs it and exits with its status.
[[noreturn]] void run_child(Cmd* cmd) {
  switch (cmd->kind) {
  case Kind::Exec: {
    redirect(cmd);
    if (cmd->argc == 0)
      exit(0); // only redirections, e.g. "> empty"
    if (is_cd(cmd))
      exit(cd(cmd)); // inside a pipe or subshell: affects only this process
    exec(cmd->argv[0], cmd->argv);
    exec_from_root(cmd->argv);
    fprintf(2, "exec %s failed\n", cmd->argv[0]);
    exit(1);
  }

  case Kind::Subshell:
    redirect(cmd);
    exit(run(cmd->left));

  case Kind::Pipe: {
    int p[2];
    if (pipe(p) < 0)
      die("pipe failed");
    int left = fork_or_die();
    if (left == 0) {
      close(1);
      dup(p[1]);
      close(p[0]);
      close(p[1]);
      run_child(cmd->left);
    }
    int right = fork_or_die();
    if (right == 0) {
      close(0);
      dup(p[0]);
      close(p[0]);
      close(p[1]);
      run_child(cmd->right);
    }
    close(p[0]);
    close(p[1]);
    // The pipeline's status is its last command's. The children may exit in either order.
    int status = 0;
    for (int remaining = 2; remaining > 0; remaining--) {
      int st = 0;
      int w = wait(&st);
      if (w < 0)
        break;
      if (w == right)
        status = st;
    }
    exit(status);
  }

  case Kind::List:
  case Kind::Back:
    exit(run(cmd));
  }
  exit(1); // not reached: every Kind is handled above
}

// Runs cmd on behalf of this process and returns its exit status: lists run their parts in turn,
// '&' jobs are started and not waited for, cd runs here, everything else in a child.
int run(Cmd* cmd) {
  while (cmd->kind == Kind::List) {
    run(cmd->left); // left is never a List: lists chain to the right
    cmd = cmd->right;
  }
  if (cmd->kind == Kind::Back) {
    if (fork_or_die() == 0)
      run_child(cmd->left);
    return 0;
  }
  if (is_cd(cmd) && cmd->nredir == 0)
    return cd(cmd);

  int pid = fork_or_die();
  if (pid == 0)
    run_child(cmd);
  return wait_for(pid);
}

// Reads one command line into buf. Returns false at end of input. A line too long for buf is
// read to its end and replaced by an empty one, after an error message.
bool getcmd(char* buf, int size) {
  if (interactive)
    write(2, "$ ", 2);
  gets(buf, size);
  int len = static_cast<int>(strlen(buf));
  if (len == 0)
    return false; // end of input

  if (len == size - 1 && buf[len - 1] != '\n' && buf[len - 1] != '\r') {
    char c;
    while (read(0, &c, 1) == 1 && c != '\n' && c != '\r') {
    }
    fprintf(2, "sh: line too long (at most %d characters)\n", size - 2);
    buf[0] = 0;
  }
  return true;
}

} // namespace

int main(int argc, char* argv[]) {
  // Load the whole program now rather than as code paths are first used: the shell lives long,
  // and tests count its pages to check that nothing leaked between two points in time.
  loadimage();
  // Make sure fds 0, 1 and 2 are open, on the console if nothing else.
  for (;;) {
    int fd = open("console", O_RDWR);
    if (fd < 0)
      break;
    if (fd >= 3) {
      close(fd);
      break;
    }
  }

  if (argc > 1) { // sh script: read the commands from the file
    close(0);
    if (open(argv[1], O_RDONLY) != 0) {
      fprintf(2, "sh: cannot open %s\n", argv[1]);
      return 1;
    }
    interactive = false;
  }

  while (getcmd(line, sizeof(line))) {
    Cmd* cmd;
    if (!parser.parse(line, &cmd)) {
      fprintf(2, "sh: %s\n", parser.error());
      continue;
    }
    if (cmd != nullptr)
      run(cmd);
  }
  return 0;
}
