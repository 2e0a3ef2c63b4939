/*
 * openat2(2) for the filesystem provider's walker (src/providers/fs-openat2.ts): one call
 * that opens a real host path while the kernel refuses every symbolic link on the way,
 * magic links (/proc/<pid>/root, /proc/self/fd/N) included. Built by scripts/build-native.js
 * at `npm run build`; optional: without it (no compiler, not Linux, old headers) the walker
 * takes its older ways (src/providers/fs-openat2.ts says which).
 *
 * open(path, flags) -> the descriptor (>= 0), or -errno. flags are Node's fs.constants
 * (Linux values), never O_CREAT or O_TMPFILE; O_CLOEXEC is always added, as libuv does for
 * every open.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <node_api.h>

#ifndef SYS_openat2
/* Its number differs between architectures (437 on most, not on MIPS or alpha): never guess. */
#error "SYS_openat2 is not defined: C library headers older than glibc 2.32; the filesystem uses its older ways"
#endif

/* <linux/openat2.h>, spelled out so that older kernel headers build too. */
struct agent_os_open_how {
  unsigned long long flags;
  unsigned long long mode;
  unsigned long long resolve;
};
#define AGENT_OS_RESOLVE_NO_MAGICLINKS 0x02ULL
#define AGENT_OS_RESOLVE_NO_SYMLINKS 0x04ULL

static napi_value result(napi_env env, int value) {
  napi_value out;
  if (napi_create_int32(env, value, &out) != napi_ok) return NULL;
  return out;
}

#define PATH_BYTES 4096 /* PATH_MAX, the terminating NUL included */

/*
 * Copies the absolute path `value` as UTF-8 into `path` (PATH_BYTES): 0, or -errno. Its whole length
 * is asked first: Node-API cuts a string that does not fit at a character boundary *before*
 * the buffer's end, so a length check after the copy would miss a cut path (and open a
 * prefix of it). A path too long for the kernel, empty, or holding a NUL (which would end it
 * early in C) is never opened.
 */
static int path_arg(napi_env env, napi_value value, char *path) {
  size_t need = 0;
  size_t len = 0;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &need) != napi_ok) return -EINVAL;
  if (need >= PATH_BYTES) return -ENAMETOOLONG;
  if (napi_get_value_string_utf8(env, value, path, PATH_BYTES, &len) != napi_ok || len != need) return -EINVAL;
  if (len == 0 || strlen(path) != len || path[0] != '/') return -EINVAL; /* absolute only */
  return 0;
}

/*
 * Opens the path argv[0] with the Node fs.constants flags argv[1] through openat2 refusing every
 * link: the descriptor (>= 0), or -errno. It opens what exists: creating (with a mode of 0
 * here) is never its job, so O_CREAT and O_TMPFILE are refused.
 */
static long open_args(napi_env env, napi_value *argv) {
  char path[PATH_BYTES];
  int32_t flags = 0;
  int got = path_arg(env, argv[0], path);
  if (got != 0) return got;
  if (napi_get_value_int32(env, argv[1], &flags) != napi_ok) return -EINVAL;
  if ((flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE) return -EINVAL; /* O_TMPFILE holds O_DIRECTORY's bit */
  struct agent_os_open_how how;
  memset(&how, 0, sizeof how);
  how.flags = (unsigned long long)(unsigned int)flags | O_CLOEXEC;
  how.resolve = AGENT_OS_RESOLVE_NO_SYMLINKS | AGENT_OS_RESOLVE_NO_MAGICLINKS;
  long fd = syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof how);
  return fd < 0 ? -errno : fd;
}

/* The descriptor as the call's result; closed if that cannot be made (none is left open that the caller never saw). */
static napi_value fd_result(napi_env env, long fd) {
  napi_value out = result(env, (int)fd);
  if (out == NULL) close((int)fd);
  return out;
}

static napi_value open_no_links(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 2) return result(env, -EINVAL);
  long fd = open_args(env, argv);
  return fd < 0 ? result(env, (int)fd) : fd_result(env, fd);
}

/*
 * openStat(path, flags, out) -> open(path, flags), then fstat(2) of the descriptor into out, a
 * Float64Array of at least 3: [st_mode, st_nlink, st_size]; the descriptor (>= 0), or -errno
 * (a descriptor whose fstat failed is closed). The same open as open(); the file's type and
 * link count come back without a Stats object, for the read path's checks (fs-safe.ts).
 */
static napi_value open_stat(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 3) return result(env, -EINVAL);
  bool is_typed = false;
  napi_typedarray_type type;
  size_t length = 0;
  void *data = NULL;
  if (napi_is_typedarray(env, argv[2], &is_typed) != napi_ok || !is_typed) return result(env, -EINVAL);
  if (napi_get_typedarray_info(env, argv[2], &type, &length, &data, NULL, NULL) != napi_ok || type != napi_float64_array || length < 3 || data == NULL)
    return result(env, -EINVAL);
  long fd = open_args(env, argv);
  if (fd < 0) return result(env, (int)fd);
  struct stat st;
  if (fstat((int)fd, &st) != 0) {
    int err = errno;
    close((int)fd);
    return result(env, -err);
  }
  double *out = (double *)data;
  out[0] = (double)st.st_mode;
  out[1] = (double)st.st_nlink;
  out[2] = (double)st.st_size;
  return fd_result(env, fd);
}

/*
 * real(path) -> 0 when path names something that exists and is reached with no link on the
 * way or at the end (so path, absolute and normalised, is its own real path), or -errno.
 * An O_PATH open: the object itself is not opened (no FIFO or device is touched).
 */
static napi_value real_path(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  char path[PATH_BYTES];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 1) return result(env, -EINVAL);
  int got = path_arg(env, argv[0], path);
  if (got != 0) return result(env, got);
  struct agent_os_open_how how;
  memset(&how, 0, sizeof how);
  how.flags = O_PATH | O_CLOEXEC;
  how.resolve = AGENT_OS_RESOLVE_NO_SYMLINKS | AGENT_OS_RESOLVE_NO_MAGICLINKS;
  long fd = syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof how);
  if (fd < 0) return result(env, -errno);
  close((int)fd);
  return result(env, 0);
}

static int export_function(napi_env env, napi_value exports, const char *name, napi_callback cb) {
  napi_value fn;
  if (napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, NULL, &fn) != napi_ok) return 0;
  return napi_set_named_property(env, exports, name, fn) == napi_ok;
}

static napi_value init(napi_env env, napi_value exports) {
  if (!export_function(env, exports, "open", open_no_links) || !export_function(env, exports, "real", real_path) ||
      !export_function(env, exports, "openStat", open_stat))
    return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
