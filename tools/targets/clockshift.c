// clockshift: an LD_PRELOAD clock hook for the unix port (and any process) under test.
//
// The boards' ticks wrap at 2**30 ms (12.4 days of uptime); a test cannot wait for that.
// This library moves the process's clocks instead, so that the interpreter itself (not a
// mock in our code) sees the time a test needs:
//
//   CLOCKSHIFT_MONO_MS=N     CLOCK_MONOTONIC reads N ms at the anchor (so the i386 port's
//                            ticks_ms() starts at N mod 2**30: 1073736824 is 5 s before
//                            the wrap)
//   CLOCKSHIFT_REAL_S=S      CLOCK_REALTIME (gettimeofday, time) reads S s at the anchor
//   CLOCKSHIFT_SPEED=F       both run F times as fast as the real clock, and every timeout
//                            and sleep (poll, select, epoll_wait, nanosleep, usleep, ...) is
//                            divided by F: compressed time in which timing relations hold
//   CLOCKSHIFT_ANCHOR_NS=T   the anchor: the real CLOCK_MONOTONIC in ns (default: when the
//                            process starts). Processes given the same anchor and speed
//                            (a firmware and its server) share one fake clock.
//
// Built by `make targets` for i386 and x86-64 (tools/targets/targets.mk). Not covered:
// SO_RCVTIMEO socket timeouts and timerfd (the code under test uses neither).
#define _GNU_SOURCE
#include <dlfcn.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

typedef int (*gettime_fn)(clockid_t, struct timespec *);

// The i386 port is built with 64-bit time_t (glibc's _TIME_BITS=64): the header redirects
// each function with a time_t in its signature to a __*64 symbol, which is then what this
// file defines; the real one is looked up under that name too.
#ifdef __USE_TIME_BITS64
#define SYM64(plain, t64) t64
#else
#define SYM64(plain, t64) plain
#endif

static gettime_fn real_gettime;
static int64_t anchor_ns;  // real CLOCK_MONOTONIC at the anchor
static int64_t mono0_ns;   // fake CLOCK_MONOTONIC at the anchor
static int64_t real0_ns;   // fake CLOCK_REALTIME at the anchor
static double speed = 1.0;
static int ready;

static int64_t ns_of(const struct timespec *ts) {
    return (int64_t)ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

static void set_ts(struct timespec *ts, int64_t ns) {
    ts->tv_sec = (time_t)(ns / 1000000000LL);
    ts->tv_nsec = (long)(ns % 1000000000LL);
}

static int64_t now_raw(clockid_t clk) {
    struct timespec ts;
    real_gettime(clk, &ts);
    return ns_of(&ts);
}

__attribute__((constructor)) static void init(void) {
    const char *v;
    real_gettime = (gettime_fn)dlsym(RTLD_NEXT, SYM64("clock_gettime", "__clock_gettime64"));
    int64_t mono = now_raw(CLOCK_MONOTONIC);
    int64_t real = now_raw(CLOCK_REALTIME);
    anchor_ns = (v = getenv("CLOCKSHIFT_ANCHOR_NS")) ? strtoll(v, NULL, 10) : mono;
    if ((v = getenv("CLOCKSHIFT_SPEED")) && atof(v) > 0) {
        speed = atof(v);
    }
    mono0_ns = (v = getenv("CLOCKSHIFT_MONO_MS")) ? strtoll(v, NULL, 10) * 1000000LL : anchor_ns;
    real0_ns = (v = getenv("CLOCKSHIFT_REAL_S")) ? (int64_t)(atof(v) * 1e9)
                                                 : real - (mono - anchor_ns);
    ready = 1;
}

// The fake time of clock clk now, in ns.
static int64_t fake_ns(clockid_t clk) {
    int64_t since = (int64_t)((double)(now_raw(CLOCK_MONOTONIC) - anchor_ns) * speed);
    if (clk == CLOCK_REALTIME || clk == CLOCK_REALTIME_COARSE) {
        return real0_ns + since;
    }
    return mono0_ns + since;
}

static int shifted(clockid_t clk) {
    return clk == CLOCK_MONOTONIC || clk == CLOCK_MONOTONIC_RAW || clk == CLOCK_MONOTONIC_COARSE
        || clk == CLOCK_BOOTTIME || clk == CLOCK_REALTIME || clk == CLOCK_REALTIME_COARSE;
}

int clock_gettime(clockid_t clk, struct timespec *ts) {
    if (!ready) {
        init();
    }
    if (!shifted(clk)) {
        return real_gettime(clk, ts);
    }
    set_ts(ts, fake_ns(clk));
    return 0;
}

int gettimeofday(struct timeval *tv, void *tz) {
    (void)tz;
    if (!ready) {
        init();
    }
    int64_t ns = fake_ns(CLOCK_REALTIME);
    tv->tv_sec = (time_t)(ns / 1000000000LL);
    tv->tv_usec = (suseconds_t)(ns % 1000000000LL / 1000);
    return 0;
}

time_t time(time_t *t) {
    if (!ready) {
        init();
    }
    time_t s = (time_t)(fake_ns(CLOCK_REALTIME) / 1000000000LL);
    if (t) {
        *t = s;
    }
    return s;
}

// -- timeouts and sleeps: fake durations become real ones divided by the speed -------------

#define NEXT2(name, sym) static __typeof__(&name) next_##name; \
    if (!next_##name) next_##name = (__typeof__(&name))dlsym(RTLD_NEXT, sym)
#define NEXT(name) NEXT2(name, #name)

static int scale_ms(int ms) {
    if (ms <= 0 || speed == 1.0) {
        return ms;
    }
    int r = (int)((double)ms / speed);
    return r > 0 ? r : 1;
}

static void scale_ts(const struct timespec *in, struct timespec *out) {
    set_ts(out, (int64_t)((double)ns_of(in) / speed));
}

int poll(struct pollfd *fds, nfds_t n, int ms) {
    NEXT(poll);
    return next_poll(fds, n, scale_ms(ms));
}

int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *ts, const sigset_t *mask) {
    NEXT2(ppoll, SYM64("ppoll", "__ppoll64"));
    struct timespec s;
    if (ts) {
        scale_ts(ts, &s);
    }
    return next_ppoll(fds, n, ts ? &s : NULL, mask);
}

int select(int n, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv) {
    NEXT2(select, SYM64("select", "__select64"));
    if (!tv || speed == 1.0) {
        return next_select(n, r, w, e, tv);
    }
    int64_t us = (int64_t)((double)((int64_t)tv->tv_sec * 1000000 + tv->tv_usec) / speed);
    struct timeval s = {.tv_sec = (time_t)(us / 1000000), .tv_usec = (suseconds_t)(us % 1000000)};
    int res = next_select(n, r, w, e, &s);
    tv->tv_sec = 0;  // callers that loop on the remaining time: none remains
    tv->tv_usec = 0;
    return res;
}

int epoll_wait(int fd, struct epoll_event *ev, int max, int ms) {
    NEXT(epoll_wait);
    return next_epoll_wait(fd, ev, max, scale_ms(ms));
}

int epoll_pwait(int fd, struct epoll_event *ev, int max, int ms, const sigset_t *mask) {
    NEXT(epoll_pwait);
    return next_epoll_pwait(fd, ev, max, scale_ms(ms), mask);
}

int nanosleep(const struct timespec *req, struct timespec *rem) {
    NEXT2(nanosleep, SYM64("nanosleep", "__nanosleep64"));
    struct timespec s;
    scale_ts(req, &s);
    int res = next_nanosleep(&s, rem);
    if (rem) {
        rem->tv_sec = 0;
        rem->tv_nsec = 0;
    }
    return res;
}

int clock_nanosleep(clockid_t clk, int flags, const struct timespec *req, struct timespec *rem) {
    NEXT2(clock_nanosleep, SYM64("clock_nanosleep", "__clock_nanosleep_time64"));
    struct timespec s;
    if (flags & TIMER_ABSTIME) {  // an absolute fake time: sleep for what is left of it
        int64_t left = ns_of(req) - fake_ns(clk);
        set_ts(&s, left > 0 ? (int64_t)((double)left / speed) : 0);
        return next_clock_nanosleep(CLOCK_MONOTONIC, 0, &s, NULL);
    }
    scale_ts(req, &s);
    return next_clock_nanosleep(clk, flags, &s, rem);
}

int usleep(useconds_t us) {
    NEXT(usleep);
    return next_usleep(speed == 1.0 ? us : (useconds_t)((double)us / speed));
}

unsigned int sleep(unsigned int s) {
    struct timespec ts = {.tv_sec = s, .tv_nsec = 0};
    nanosleep(&ts, NULL);
    return 0;
}
