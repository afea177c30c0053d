#if defined(__linux__)
#define _GNU_SOURCE
#endif
#include "CSystemShims.h"
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/prctl.h>
#endif

int crossgo_set_child_subreaper(int on) {
#if defined(__linux__)
    return prctl(PR_SET_CHILD_SUBREAPER, on ? 1 : 0, 0, 0, 0);
#else
    (void)on;
    errno = ENOSYS;
    return -1;
#endif
}

int crossgo_pipe_cloexec(int fds[2]) {
#if defined(__linux__)
    return pipe2(fds, O_CLOEXEC);
#else
    if (pipe(fds) != 0) return -1;
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    return 0;
#endif
}

/// The modification time of `info` as seconds and nanoseconds (st_mtim on Linux, st_mtimespec on macOS).
static void modification_time(const struct stat *info, long long out[2]) {
#if defined(__APPLE__)
    out[0] = (long long)info->st_mtimespec.tv_sec;
    out[1] = (long long)info->st_mtimespec.tv_nsec;
#else
    out[0] = (long long)info->st_mtim.tv_sec;
    out[1] = (long long)info->st_mtim.tv_nsec;
#endif
}

int crossgo_stat_identity(const char *path, long long out[5]) {
    struct stat info;
    if (stat(path, &info) != 0) return -1;
    out[0] = (long long)info.st_dev;
    out[1] = (long long)info.st_ino;
    out[2] = (long long)info.st_size;
    modification_time(&info, out + 3);
    return 0;
}

int crossgo_lstat_facts(const char *path, long long out[4]) {
    struct stat info;
    if (lstat(path, &info) != 0) return -1;
    out[0] = (long long)(info.st_mode & S_IFMT);
    out[1] = (long long)info.st_size;
    modification_time(&info, out + 2);
    return 0;
}

extern char **environ;

char *const *crossgo_environment(void) {
    return environ;
}
