// SPDX-License-Identifier: MIT
/*
 * cvpc wg [-f|--foreground] IFNAME: a userspace WireGuard interface, a
 * drop-in for `wireguard-go IFNAME`, so wg(8) and wg-quick(8) drive it.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/container.h"
#include "base/log.h"
#include "base/loop.h"
#include "cli/commands.h"
#include "wg/interface.h"

struct wg_run {
	struct loop *loop;
	struct loop_fd signal_lfd;
	const char *why; /* why we are stopping */
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: cvpc wg [-f|--foreground] INTERFACE-NAME\n"
		   "Environment: LOG_LEVEL=silent|error|info|debug\n");
}

static void on_gone(void *arg, const char *why)
{
	struct wg_run *run = arg;

	run->why = why;
	loop_stop(run->loop);
}

static void on_signal(struct loop_fd *lfd, uint32_t events)
{
	struct wg_run *run = container_of(lfd, struct wg_run, signal_lfd);
	struct signalfd_siginfo si;

	(void)events;
	if (read(lfd->fd, &si, sizeof(si)) != sizeof(si))
		return;
	run->why = si.ssi_signo == SIGINT ? "interrupted" : "terminated";
	loop_stop(run->loop);
}

static int open_signals(struct wg_run *run)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	run->signal_lfd.fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (run->signal_lfd.fd < 0)
		return -errno;
	run->signal_lfd.cb = on_signal;
	return loop_fd_add(run->loop, &run->signal_lfd, EPOLLIN);
}

/* Tells the waiting parent how start-up went: "" for success. */
static void report(int fd, const char *msg)
{
	if (fd < 0) {
		if (msg[0])
			fprintf(stderr, "cvpc wg: %s\n", msg);
		return;
	}
	if (write(fd, msg, strlen(msg) + 1) < 0)
		return;
	close(fd);
}

static int run_interface(const char *name, int ready_fd)
{
	struct wg_interface *iface = NULL;
	struct wg_run run = { .why = NULL, .signal_lfd.fd = -1 };
	char err[256] = "";
	int ret;

	signal(SIGPIPE, SIG_IGN);
	ret = loop_new(&run.loop);
	if (ret < 0) {
		snprintf(err, sizeof(err), "cannot create event loop: %s",
			 strerror(-ret));
		goto out;
	}
	ret = open_signals(&run);
	if (ret < 0) {
		snprintf(err, sizeof(err), "cannot handle signals: %s",
			 strerror(-ret));
		goto out;
	}
	ret = wg_interface_create(run.loop, name, on_gone, &run, &iface, err,
				  sizeof(err));
	if (ret < 0)
		goto out;
	pr_info("Device started");
	report(ready_fd, "");
	ready_fd = -1;

	ret = loop_run(run.loop);
	pr_info("Shutting down: %s", run.why ? run.why : "event loop failed");
out:
	report(ready_fd, err);
	wg_interface_destroy(iface);
	if (run.signal_lfd.fd >= 0)
		close(run.signal_lfd.fd);
	loop_free(run.loop);
	return ret < 0 ? 1 : 0;
}

/*
 * Like wireguard-go, the parent returns only once the interface and its
 * socket exist, so scripts can run `wg set` right after.
 */
static int daemonize(const char *name)
{
	char msg[256];
	ssize_t n, total = 0;
	int pipefd[2], null;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		perror("cvpc wg: pipe");
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		perror("cvpc wg: fork");
		return 1;
	}
	if (pid == 0) {
		close(pipefd[0]);
		setsid();
		if (chdir("/") < 0)
			_exit(1);
		null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			/* Logs stay visible only when asked for. */
			if (!getenv("LOG_LEVEL")) {
				dup2(null, STDOUT_FILENO);
				dup2(null, STDERR_FILENO);
			}
			close(null);
		}
		_exit(run_interface(name, pipefd[1]));
	}
	close(pipefd[1]);
	while (total < (ssize_t)sizeof(msg) - 1 &&
	       (n = read(pipefd[0], msg + total, sizeof(msg) - 1 - (size_t)total)) > 0)
		total += n;
	close(pipefd[0]);
	msg[total] = '\0';
	if (total == 0) {
		int status;

		waitpid(pid, &status, 0);
		fprintf(stderr, "cvpc wg: %s: daemon exited during start-up\n",
			name);
		return 1;
	}
	if (msg[0]) {
		fprintf(stderr, "cvpc wg: %s\n", msg);
		waitpid(pid, NULL, 0);
		return 1;
	}
	return 0;
}

int cmd_wg(int argc, char **argv)
{
	const char *name = NULL, *level = getenv("LOG_LEVEL");
	bool foreground = false;
	enum log_level lvl = LOGL_ERROR;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-f") || !strcmp(argv[i], "--foreground")) {
			foreground = true;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (argv[i][0] == '-' || name) {
			usage(stderr);
			return 1;
		} else {
			name = argv[i];
		}
	}
	if (!name) {
		usage(stderr);
		return 1;
	}
	if (level && !log_level_parse(level, &lvl)) {
		fprintf(stderr, "cvpc wg: LOG_LEVEL is neither silent, error, info nor debug: `%s'\n",
			level);
		return 1;
	}
	log_set_level(lvl);
	log_set_prefix(name);
	if (foreground)
		return run_interface(name, -1);
	return daemonize(name);
}
