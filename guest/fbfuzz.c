// SPDX-License-Identifier: GPL-2.0
/*
 * fbfuzz: a seeded, reproducible random stress of /dev/fb0.
 *
 *   fbfuzz SEED PROCESSES THREADS OPS [UNBIND_CYCLES]
 *
 * PROCESSES processes of THREADS threads each perform at least OPS
 * operations in all, picked at random from: mmap (shared or private,
 * read-only or writable, any offset and length), munmap of all or part of
 * a mapping, mremap (shrink, move, grow), mprotect, madvise, msync, fork
 * (the child writes through an inherited mapping), read, write, pread,
 * pwrite (from local memory or from a mapping), pan and blank ioctls, and
 * plain writes through the mappings. Meanwhile the parent unbinds and
 * rebinds the device's driver UNBIND_CYCLES times: threads whose mappings
 * die get SIGBUS or errors, drop them and open the new device.
 *
 * At the end every process draws its stripe of a final pattern through a
 * new mapping, and the host's screendump must equal it exactly. The
 * output gives the seed, operations per second, the mix of operations
 * with their failures, the signals caught and the cycles done, and ends
 * with "e2e fuzz-final: PASS" or "FAIL". Everything random comes from
 * SEED: the same seed gives the same choices (the interleaving of threads
 * is the kernel's).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lab.h"

#define FB "/dev/fb0"
#define SLOTS 4

enum op {
	OP_MMAP, OP_MUNMAP, OP_MREMAP, OP_MPROTECT, OP_MADVISE, OP_MSYNC, OP_FORK,
	OP_READ, OP_WRITE, OP_PREAD, OP_PWRITE, OP_PAN, OP_BLANK, OP_TOUCH, OP_COUNT
};

static const char *const op_names[OP_COUNT] = {
	"mmap", "munmap", "mremap", "mprotect", "madvise", "msync", "fork", "read",
	"write", "pread", "pwrite", "pan", "blank", "touch",
};

/* Relative frequency: mostly writes through mappings, as real programs do. */
static const unsigned int op_weight[OP_COUNT] = {
	8, 5, 3, 3, 3, 2, 1, 3, 3, 3, 3, 1, 1, 40,
};

/* Shared between all processes: counters and the run's state. */
struct shared {
	atomic_ulong ops[OP_COUNT];
	atomic_ulong fails[OP_COUNT];
	atomic_ulong sigbus, sigsegv, reopens;
	atomic_int cycling_done;	/* the parent's unbind cycles are over */
	atomic_int threads_done;
};

static struct shared *sh;
static unsigned long seed, per_thread;
static struct fb_var_screeninfo var0;
static size_t fb_len;
static long page;

struct mapping {
	uint8_t *addr;
	size_t len;
	int prot, shared;
};

struct worker {
	uint64_t rng;
	int fd;
	struct mapping map[SLOTS];
	uint8_t buf[1 << 16];
};

static __thread sigjmp_buf fault_jump;
static __thread volatile sig_atomic_t guarded;

static uint64_t next(uint64_t *s)
{
	/* xorshift64* */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

static unsigned long below(struct worker *w, unsigned long n)
{
	return n ? next(&w->rng) % n : 0;
}

static void on_fault(int sig)
{
	if (guarded)
		siglongjmp(fault_jump, sig);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Write or read through a mapping; returns the signal that stopped it. */
static int touch(uint8_t *p, size_t len, int write, uint8_t v)
{
	volatile uint8_t sum = 0;
	int sig = sigsetjmp(fault_jump, 1);

	if (sig) {
		guarded = 0;
		return sig;
	}
	guarded = 1;
	if (write)
		memset(p, v, len);
	else
		for (size_t i = 0; i < len; i += 64)
			sum += p[i];
	guarded = 0;
	return 0;
}

static void drop(struct mapping *m)
{
	if (m->addr)
		munmap(m->addr, m->len);
	m->addr = NULL;
}

/* The device went away under this thread: start over on the next one. */
static void reset(struct worker *w)
{
	for (int i = 0; i < SLOTS; i++)
		drop(&w->map[i]);
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
}

static void count_signal(struct worker *w, int sig)
{
	atomic_fetch_add(sig == SIGBUS ? &sh->sigbus : &sh->sigsegv, 1);
	reset(w);
}

/* One random operation; returns 0 when it succeeded. */
static int do_op(struct worker *w, enum op op)
{
	struct mapping *m = &w->map[below(w, SLOTS)];
	size_t pages = fb_len / page, n, off, len;
	int sig;

	if (w->fd < 0) {
		w->fd = open(FB, O_RDWR);
		atomic_fetch_add(&sh->reopens, 1);
		if (w->fd < 0) {
			usleep(1000);
			return -1;
		}
	}
	switch (op) {
	case OP_MMAP:
		drop(m);
		n = 1 + below(w, pages < 64 ? pages : 64);
		off = below(w, pages - n + 1) * page;
		/* now and then past the end, which must fail */
		if (!below(w, 32))
			off = fb_len;
		m->prot = below(w, 4) ? PROT_READ | PROT_WRITE : PROT_READ;
		m->shared = below(w, 6) != 0;
		m->addr = mmap(NULL, n * page, m->prot, m->shared ? MAP_SHARED : MAP_PRIVATE,
			       w->fd, off);
		m->len = n * page;
		if (m->addr == MAP_FAILED) {
			m->addr = NULL;
			return -1;
		}
		return 0;
	case OP_MUNMAP:
		if (!m->addr)
			return -1;
		if (m->len > (size_t)page && below(w, 2)) {
			/* the tail only: the rest stays mapped */
			n = 1 + below(w, m->len / page - 1);
			if (munmap(m->addr + n * page, m->len - n * page))
				return -1;
			m->len = n * page;
			return 0;
		}
		drop(m);
		return 0;
	case OP_MREMAP: {
		void *q;

		if (!m->addr)
			return -1;
		switch (below(w, 3)) {
		case 0:	/* shrink */
			if (m->len <= (size_t)page)
				return -1;
			len = m->len - page;
			q = mremap(m->addr, m->len, len, 0);
			break;
		case 1:	/* move */
			len = m->len;
			q = mremap(m->addr, m->len, len, MREMAP_MAYMOVE);
			break;
		default: /* grow: refused */
			len = m->len + page;
			q = mremap(m->addr, m->len, len, MREMAP_MAYMOVE);
			break;
		}
		if (q == MAP_FAILED)
			return -1;
		m->addr = q;
		m->len = len;
		return 0;
	}
	case OP_MPROTECT:
		if (!m->addr)
			return -1;
		m->prot = below(w, 2) ? PROT_READ | PROT_WRITE : PROT_READ;
		if (mprotect(m->addr, m->len, m->prot)) {
			/* a read-only open cannot be made writable: keep it as it was */
			m->prot = PROT_READ;
			return -1;
		}
		return 0;
	case OP_MADVISE: {
		static const int advice[] = { MADV_DONTNEED, MADV_WILLNEED, MADV_SEQUENTIAL,
					      MADV_RANDOM, MADV_NORMAL };

		if (!m->addr)
			return -1;
		return madvise(m->addr, m->len, advice[below(w, 5)]);
	}
	case OP_MSYNC:
		if (!m->addr)
			return -1;
		return msync(m->addr, m->len, below(w, 2) ? MS_SYNC : MS_ASYNC);
	case OP_FORK: {
		int status;
		pid_t pid;

		if (!m->addr || !(m->prot & PROT_WRITE))
			return -1;
		pid = fork();
		if (pid < 0)
			return -1;
		if (pid == 0) {
			memset(m->addr, (int)below(w, 256), m->len < 4096 ? m->len : 4096);
			_exit(0);
		}
		if (waitpid(pid, &status, 0) != pid)
			return -1;
		/* SIGBUS when the device went away under the child */
		if (WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS) {
			atomic_fetch_add(&sh->sigbus, 1);
			return -1;
		}
		return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -2;
	}
	case OP_READ:
	case OP_WRITE:
	case OP_PREAD:
	case OP_PWRITE: {
		uint8_t *src = w->buf;
		ssize_t r;

		len = 1 + below(w, sizeof(w->buf));
		off = below(w, fb_len + 2 * page);
		/* sometimes the buffer is a mapping: copies through page faults */
		if (m->addr && !below(w, 4)) {
			src = m->addr;
			len = 1 + below(w, m->len);
		}
		if (op == OP_WRITE || op == OP_PWRITE)
			memset(w->buf, (int)below(w, 256), len < sizeof(w->buf) ? len : sizeof(w->buf));
		if (op == OP_READ || op == OP_WRITE) {
			if (lseek(w->fd, off, SEEK_SET) < 0)
				return -1;
			r = op == OP_READ ? read(w->fd, src, len) : write(w->fd, src, len);
		} else {
			r = op == OP_PREAD ? pread(w->fd, src, len, off) : pwrite(w->fd, src, len, off);
		}
		if (r < 0 && errno == ENODEV)
			reset(w);
		return r < 0 ? -1 : 0;
	}
	case OP_PAN: {
		struct fb_var_screeninfo v = var0;

		v.yoffset = below(w, 4) ? 0 : below(w, 2 * var0.yres_virtual);
		return ioctl(w->fd, FBIOPAN_DISPLAY, &v);
	}
	case OP_BLANK:
		return ioctl(w->fd, FBIOBLANK, below(w, 4) ? FB_BLANK_UNBLANK : FB_BLANK_NORMAL);
	case OP_TOUCH:
		if (!m->addr)
			return -1;
		off = below(w, m->len / page) * page;
		len = 1 + below(w, m->len - off);
		if (!(m->prot & PROT_WRITE))
			sig = touch(m->addr + off, len, 0, 0);
		else
			sig = touch(m->addr + off, len, 1, (uint8_t)below(w, 256));
		if (sig) {
			count_signal(w, sig);
			return -1;
		}
		return 0;
	default:
		return -1;
	}
}

static unsigned int weight_total;

static enum op pick(struct worker *w)
{
	unsigned int r = below(w, weight_total);

	for (int i = 0; i < OP_COUNT; i++) {
		if (r < op_weight[i])
			return i;
		r -= op_weight[i];
	}
	return OP_TOUCH;
}

static void *thread_main(void *arg)
{
	struct worker *w = arg;
	unsigned long done = 0;

	w->fd = -1;
	while (done < per_thread || !atomic_load(&sh->cycling_done)) {
		enum op op = pick(w);
		int r = do_op(w, op);

		atomic_fetch_add(&sh->ops[op], 1);
		if (r)
			atomic_fetch_add(&sh->fails[op], 1);
		if (r == -2) {
			fprintf(stderr, "fbfuzz: a forked child failed\n");
			exit(3);
		}
		done++;
	}
	reset(w);
	return NULL;
}

static uint32_t stripe_colour(unsigned int i)
{
	/* components that survive RGB565 exactly */
	unsigned int r5 = (3 + 5 * i) % 32, g6 = (10 + 13 * i) % 64, b5 = (20 + 7 * i) % 32;

	return ((r5 << 3 | r5 >> 2) << 16) | ((g6 << 2 | g6 >> 4) << 8) | (b5 << 3 | b5 >> 2);
}

static void stripe(unsigned int i, unsigned int procs, unsigned int *y, unsigned int *h)
{
	*y = var0.yres * i / procs;
	*h = var0.yres * (i + 1) / procs - *y;
}

static void process_main(unsigned int index, unsigned int procs, unsigned int threads)
{
	struct worker *w = calloc(threads, sizeof(*w));
	pthread_t *tid = calloc(threads, sizeof(*tid));
	struct lab_fb fb;
	unsigned int y, h;

	if (!w || !tid)
		exit(2);
	for (unsigned int t = 0; t < threads; t++) {
		w[t].rng = seed * 0x9e3779b97f4a7c15ull + index * 1000003ull + t * 7919ull + 1;
		if (pthread_create(&tid[t], NULL, thread_main, &w[t]))
			exit(2);
	}
	for (unsigned int t = 0; t < threads; t++)
		pthread_join(tid[t], NULL);
	atomic_fetch_add(&sh->threads_done, (int)threads);
	/* The final pattern, through a mapping of the device as it is now. */
	while (atomic_load(&sh->threads_done) < (int)(threads * procs))
		usleep(10000);
	lab_fb_open(&fb, NULL);
	stripe(index, procs, &y, &h);
	lab_fb_fill(&fb, 0, y, fb.var.xres, h, lab_fb_pixel(&fb, stripe_colour(index)));
	lab_fb_close(&fb);
	exit(0);
}

static int sysfs_write(const char *dir, const char *file, const char *value)
{
	char path[PATH_MAX];
	int fd, ok;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	ok = write(fd, value, strlen(value)) == (ssize_t)strlen(value);
	close(fd);
	return ok ? 0 : -1;
}

static int wait_for_fb(double secs)
{
	double end = lab_now() + secs;

	while (lab_now() < end) {
		int fd = open(FB, O_RDWR);

		if (fd >= 0) {
			close(fd);
			return 0;
		}
		usleep(20000);
	}
	return -1;
}

int main(int argc, char **argv)
{
	unsigned int procs, threads, cycles, done = 0;
	unsigned long ops, total = 0, fails = 0;
	char device[PATH_MAX], driver[PATH_MAX], reply[1024];
	const char *name;
	struct sigaction sa = { .sa_handler = on_fault };
	struct lab_fb fb;
	uint64_t rng;
	double t0, secs;
	FILE *spec;
	int fd, ret;

	if (argc < 5) {
		fprintf(stderr, "usage: fbfuzz SEED PROCESSES THREADS OPS [UNBIND_CYCLES]\n");
		return 2;
	}
	seed = strtoul(argv[1], NULL, 0);
	procs = atoi(argv[2]);
	threads = atoi(argv[3]);
	ops = strtoul(argv[4], NULL, 0);
	cycles = argc > 5 ? atoi(argv[5]) : 0;
	if (!procs || !threads || !ops) {
		fprintf(stderr, "fbfuzz: PROCESSES, THREADS and OPS must be positive\n");
		return 2;
	}
	per_thread = (ops + procs * threads - 1) / (procs * threads);
	for (int i = 0; i < OP_COUNT; i++)
		weight_total += op_weight[i];
	page = sysconf(_SC_PAGESIZE);
	lab_fb_open(&fb, NULL);
	var0 = fb.var;
	fb_len = fb.fix.smem_len;
	lab_fb_close(&fb);
	if (!realpath("/sys/class/graphics/fb0/device", device) ||
	    !realpath("/sys/class/graphics/fb0/device/driver", driver)) {
		perror("fb0's device");
		return 2;
	}
	name = strrchr(device, '/') + 1;
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return 2;
	memset(sh, 0, sizeof(*sh));
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	lab_vt_graphics(1);
	printf("fbfuzz: seed %lu, %u processes x %u threads, %lu operations, %u unbind cycles "
	       "of %s on %s\n", seed, procs, threads, ops, cycles, name, driver);
	fflush(stdout);

	t0 = lab_now();
	for (unsigned int i = 0; i < procs; i++)
		if (fork() == 0)
			process_main(i, procs, threads);

	/* Unbind and rebind while the workers run, at seeded moments. */
	rng = seed ^ 0x5bd1e995;
	for (; done < cycles; done++) {
		usleep(100000 + next(&rng) % 300000);
		if (sysfs_write(driver, "unbind", name)) {
			perror("unbind");
			break;
		}
		usleep(20000 + next(&rng) % 80000);
		if (sysfs_write(driver, "bind", name) || wait_for_fb(10)) {
			perror("bind");
			break;
		}
	}
	atomic_store(&sh->cycling_done, 1);

	ret = 0;
	while (1) {
		int status;
		pid_t pid = wait(&status);

		if (pid < 0)
			break;
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			fprintf(stderr, "fbfuzz: worker %d ended with status %#x\n", pid, status);
			ret = 1;
		}
	}
	secs = lab_now() - t0;
	for (int i = 0; i < OP_COUNT; i++) {
		total += sh->ops[i];
		fails += sh->fails[i];
	}
	printf("fbfuzz: %lu operations in %.1f s (%.0f/s), %lu failed as expected, "
	       "%lu SIGBUS, %lu SIGSEGV, %lu opens, %u of %u unbind cycles\n",
	       total, secs, total / secs, fails, (unsigned long)sh->sigbus,
	       (unsigned long)sh->sigsegv, (unsigned long)sh->reopens, done, cycles);
	printf("fbfuzz: mix");
	for (int i = 0; i < OP_COUNT; i++)
		printf(" %s=%lu/%lu", op_names[i], (unsigned long)sh->ops[i] - sh->fails[i],
		       (unsigned long)sh->ops[i]);
	printf(" (ok/all)\n");
	if (done < cycles || sh->sigsegv)
		ret = 1;

	/* Pan back and unblank, then the host checks the final pattern. */
	fd = open(FB, O_RDWR);
	if (fd >= 0) {
		ioctl(fd, FBIOPAN_DISPLAY, &var0);
		ioctl(fd, FBIOBLANK, FB_BLANK_UNBLANK);
		close(fd);
	}
	spec = lab_spec_open("fuzz", var0.xres, var0.yres);
	for (unsigned int i = 0; i < procs; i++) {
		unsigned int y, h;

		stripe(i, procs, &y, &h);
		fprintf(spec, "fill 0 %u %u %u %06x\n", y, var0.xres, h, stripe_colour(i));
	}
	fclose(spec);
	if (lab_host("EXPECT fuzz 8000", reply, sizeof(reply)))
		ret = 1;
	printf("e2e fuzz-final: %s (%s)\n", ret ? "FAIL" : "PASS", reply);
	lab_vt_graphics(0);
	return ret;
}
