// System calls Swift cannot call directly (C variadic functions), wrapped with fixed arguments.
#ifndef CROSSGO_SYSTEM_SHIMS_H
#define CROSSGO_SYSTEM_SHIMS_H
/// Linux: makes the calling process the reaper of its orphaned descendants (prctl PR_SET_CHILD_SUBREAPER), or stops
/// it (on = 0). Returns 0, or -1 with errno set; -1 (ENOSYS) elsewhere.
int crossgo_set_child_subreaper(int on);
/// A pipe whose two ends close on exec (pipe2 O_CLOEXEC where there is one). Returns 0, or -1 with errno set.
int crossgo_pipe_cloexec(int fds[2]);
/// stat(2) of `path` (links followed) as five numbers: device, inode, size, modification time in seconds and its
/// nanoseconds (the field is st_mtim on Linux, st_mtimespec on macOS). Returns 0, or -1 with errno set.
int crossgo_stat_identity(const char *path, long long out[5]);
/// lstat(2) of `path` (a link is not followed) as four numbers: st_mode's file type bits (S_IFMT), size, modification
/// time in seconds and its nanoseconds. Returns 0, or -1 with errno set.
int crossgo_lstat_facts(const char *path, long long out[4]);
/// The process's environment (`environ`: NAME=value strings, a NULL after the last).
char *const *crossgo_environment(void);
#endif
