/* SPDX-License-Identifier: MIT */
/*
 * sim_main.c: the chakong-sim program: argument parsing and the
 * subcommands serve, truth, filings and config.
 *
 * Everything of substance lives in the simulator's library (sim.h,
 * server.h); this file parses options, opens files (mode 0600: they hold
 * personal data of the synthetic population), and for `serve` waits for
 * SIGTERM or SIGINT.  Exit status: 0 done, 1 failed, 2 usage error.
 */
#include "server.h"
#include "sim.h"

#include "chakong/error.h"
#include "chakong/timeutil.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define EXIT_USAGE 2

#define DEFAULT_SEED     1
#define DEFAULT_SUBJECTS 1000
#define SUBJECTS_MAX     10000000u
#define CASES_MAX        100000000u

/* Set by the signal handler; the only global state of the program. */
static volatile sig_atomic_t stop_signal;

static void
on_signal(int sig)
{
	stop_signal = sig;
}

/* ---- Options ---------------------------------------------------------------- */

/* A small option cursor: "--name value" and "--name=value". */
struct args {
	int argc, i;
	char **argv;
	const char *cmd;
};

/* If argv[i] is option `name`, consumes it and its value (*value), and
 * returns 1; returns -1 (after a message) when the value is missing. */
static int
opt_value(struct args *a, const char *name, const char **value)
{
	const char *arg = a->argv[a->i];
	size_t n = strlen(name);
	if (strncmp(arg, name, n) != 0)
		return 0;
	if (arg[n] == '=') {
		*value = arg + n + 1;
		a->i++;
		return 1;
	}
	if (arg[n] != '\0')
		return 0;
	if (a->i + 1 >= a->argc) {
		fprintf(stderr, "chakong-sim %s: %s needs a value\n", a->cmd, name);
		return -1;
	}
	*value = a->argv[a->i + 1];
	a->i += 2;
	return 1;
}

static int
parse_number(const char *cmd, const char *name, const char *text, uint64_t min, uint64_t max,
             uint64_t *out)
{
	uint64_t v = 0;
	int ok = *text != '\0';
	for (const char *p = text; ok && *p; p++) {
		if (*p < '0' || *p > '9' || v > (UINT64_MAX - 9) / 10)
			ok = 0;
		else
			v = v * 10 + (uint64_t)(*p - '0');
	}
	if (!ok || v < min || v > max) {
		fprintf(stderr,
		        "chakong-sim %s: %s \"%s\": expected a whole number from %llu to %llu\n",
		        cmd, name, text, (unsigned long long)min, (unsigned long long)max);
		return -1;
	}
	*out = v;
	return 0;
}

/* Options shared by every subcommand that makes a world. */
struct world_opts {
	uint64_t seed;
	uint64_t subjects;
};

/* 1 consumed, 0 not this option, -1 error. */
static int
world_option(struct args *a, struct world_opts *w)
{
	const char *v;
	int rc;
	if ((rc = opt_value(a, "--seed", &v)) != 0)
		return rc < 0
		           ? -1
		           : (parse_number(a->cmd, "--seed", v, 0, UINT64_MAX, &w->seed) ? -1 : 1);
	if ((rc = opt_value(a, "--subjects", &v)) != 0)
		return rc < 0
		           ? -1
		           : (parse_number(a->cmd, "--subjects", v, 1, SUBJECTS_MAX, &w->subjects)
		                  ? -1
		                  : 1);
	return 0;
}

static int
make_world(const char *cmd, const struct world_opts *w, struct sim_world **world)
{
	char err[CK_ERR_SIZE] = "";
	if (sim_world_new(w->seed, (size_t)w->subjects, world, err) != CK_OK) {
		fprintf(stderr, "chakong-sim %s: %s\n", cmd,
		        err[0] ? err : "cannot make the world");
		return -1;
	}
	return 0;
}

/* ---- Output files -------------------------------------------------------------- */

/* Opens path for writing (mode 0600), or stdout when path is NULL or "-". */
static FILE *
open_out(const char *cmd, const char *path)
{
	if (path == NULL || strcmp(path, "-") == 0)
		return stdout;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd >= 0 && fchmod(fd, 0600) != 0) { /* an existing file keeps its mode otherwise */
		close(fd);
		fd = -1;
	}
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (f == NULL) {
		fprintf(stderr, "chakong-sim %s: cannot write %s: %s\n", cmd, path,
		        strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	return f;
}

/* Closes f (not stdout, which is only flushed); -1 after a message when a
 * write failed. */
static int
close_out(const char *cmd, const char *path, FILE *f)
{
	int bad = ferror(f) != 0;
	if (f == stdout)
		bad |= fflush(f) != 0;
	else
		bad |= fclose(f) != 0;
	if (bad) {
		fprintf(stderr, "chakong-sim %s: error writing %s\n", cmd,
		        path && strcmp(path, "-") != 0 ? path : "standard output");
		return -1;
	}
	return 0;
}

/* Writes text to path atomically: a temporary file beside it, renamed. */
static int
write_atomically(const char *cmd, const char *path, const char *text)
{
	size_t n = strlen(path) + 32;
	char *tmp = malloc(n);
	if (tmp == NULL)
		return -1;
	snprintf(tmp, n, "%s.tmp.%ld", path, (long)getpid());
	int ok = 0;
	FILE *f = open_out(cmd, tmp);
	if (f != NULL) {
		fputs(text, f);
		ok = close_out(cmd, tmp, f) == 0;
	}
	if (ok && rename(tmp, path) != 0) {
		fprintf(stderr, "chakong-sim %s: cannot rename %s to %s: %s\n", cmd, tmp, path,
		        strerror(errno));
		ok = 0;
	}
	if (!ok)
		unlink(tmp);
	free(tmp);
	return ok ? 0 : -1;
}

/* ---- serve -------------------------------------------------------------------------- */

static const char usage_serve[] =
    "usage: chakong-sim serve [--port N] [--port-file FILE] [--seed S] [--subjects N]\n"
    "                         [--set INSTANCE.KEY=VALUE]... [--behaviour FILE]...\n"
    "                         [--tls-cert FILE --tls-key FILE [--tls-client-ca FILE]]\n"
    "                         [--now TIME] [--config-out FILE]\n"
    "\n"
    "Serves every institution instance of the simulated world on 127.0.0.1 until\n"
    "SIGTERM or SIGINT.  Instance X answers under /X/; GET /_stats gives counters,\n"
    "POST /_clock?advance=SECONDS moves the simulator's clock forward.\n"
    "\n"
    "  --port N            port to listen on (default 0: any free port)\n"
    "  --port-file FILE    write the port there once listening (atomically)\n"
    "  --seed S            world seed (default 1)\n"
    "  --subjects N        population size (default 1000)\n"
    "  --set I.KEY=VALUE   a behaviour knob of instance I (* for all); keys:\n"
    "                      latency=none|fixed:MS|uniform:MIN-MAX|lognormal:MEDIAN:SIGMA,\n"
    "                      async_delay=S, poll_after=S, page_size=N, retry_after=S,\n"
    "                      fault.CLASS=RATE (0..1), fault.CLASS.first=N; classes:\n"
    "                      500 503 429 reset stall truncated malformed doctype bomb\n"
    "                      oversized wrong_subject 401\n"
    "  --behaviour FILE    lines of I.KEY=VALUE (# starts a comment); applied in\n"
    "                      command-line order with --set\n"
    "  --tls-cert FILE     serve HTTPS with this PEM certificate (and --tls-key)\n"
    "  --tls-key FILE      the certificate's PEM private key\n"
    "  --tls-client-ca FILE  require client certificates signed by this PEM CA\n"
    "  --now TIME          start the clock at TIME (ISO 8601, a date, or @EPOCH)\n"
    "  --config-out FILE   write the engine configuration for this server there\n";

static int
cmd_serve(struct args *a)
{
	struct world_opts w = {DEFAULT_SEED, DEFAULT_SUBJECTS};
	struct sim_server_opts so = {0};
	const char *port_file = NULL, *config_out = NULL, *now = NULL;
	/* --set and --behaviour values, in command-line order */
	struct knob {
		const char *value;
		int file;
	} *knobs = calloc((size_t)a->argc + 1, sizeof *knobs);
	size_t n_knobs = 0;
	int status = EXIT_USAGE;
	struct sim_world *world = NULL;
	struct sim_server *server = NULL;
	char err[CK_ERR_SIZE] = "";
	if (knobs == NULL)
		return EXIT_FAILURE;

	while (a->i < a->argc) {
		const char *arg = a->argv[a->i], *v;
		int rc;
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			fputs(usage_serve, stdout);
			status = EXIT_SUCCESS;
			goto out;
		}
		if ((rc = world_option(a, &w)) != 0) {
			if (rc < 0)
				goto out;
			continue;
		}
		if ((rc = opt_value(a, "--port", &v)) != 0) {
			uint64_t port;
			if (rc < 0 || parse_number(a->cmd, "--port", v, 0, 65535, &port) != 0)
				goto out;
			so.port = (uint16_t)port;
		} else if ((rc = opt_value(a, "--port-file", &port_file)) != 0 ||
		           (rc = opt_value(a, "--config-out", &config_out)) != 0 ||
		           (rc = opt_value(a, "--now", &now)) != 0 ||
		           (rc = opt_value(a, "--tls-cert", &so.tls_cert_file)) != 0 ||
		           (rc = opt_value(a, "--tls-key", &so.tls_key_file)) != 0 ||
		           (rc = opt_value(a, "--tls-client-ca", &so.tls_client_ca_file)) != 0) {
			if (rc < 0)
				goto out;
		} else if ((rc = opt_value(a, "--set", &v)) != 0) {
			if (rc < 0)
				goto out;
			knobs[n_knobs++] = (struct knob){v, 0};
		} else if ((rc = opt_value(a, "--behaviour", &v)) != 0) {
			if (rc < 0)
				goto out;
			knobs[n_knobs++] = (struct knob){v, 1};
		} else {
			fprintf(stderr, "chakong-sim serve: unknown argument \"%s\"\n%s", arg,
			        usage_serve);
			goto out;
		}
	}
	if ((so.tls_cert_file == NULL) != (so.tls_key_file == NULL) ||
	    (so.tls_client_ca_file != NULL && so.tls_cert_file == NULL)) {
		fprintf(stderr, "chakong-sim serve: --tls-cert and --tls-key go together, and "
		                "--tls-client-ca needs them\n");
		goto out;
	}
	if (now != NULL && sim_clock_offset(now, &so.clock_offset_ms, err) != CK_OK) {
		fprintf(stderr, "chakong-sim serve: --now: %s\n", err);
		goto out;
	}
	status = EXIT_FAILURE;
	if (make_world(a->cmd, &w, &world) != 0)
		goto out;
	for (size_t k = 0; k < n_knobs; k++) {
		int rc = knobs[k].file ? sim_behaviour_load(world, knobs[k].value, err)
		                       : sim_behaviour_set(world, knobs[k].value, err);
		if (rc != CK_OK) {
			fprintf(stderr, "chakong-sim serve: %s %s\n",
			        knobs[k].file ? "--behaviour" : "--set", err);
			status = rc == CK_E_IO ? EXIT_FAILURE : EXIT_USAGE;
			goto out;
		}
	}
	if (sim_behaviour_check(world, err) != CK_OK) {
		fprintf(stderr, "chakong-sim serve: %s\n", err);
		status = EXIT_USAGE;
		goto out;
	}

	/* Signals are blocked in every thread (the server's inherit the mask)
	 * and taken by sigsuspend() in this one. */
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (sim_server_start(world, &so, &server, err) != CK_OK) {
		fprintf(stderr, "chakong-sim serve: %s\n", err);
		goto out;
	}
	char base[64];
	snprintf(base, sizeof base, "%s://127.0.0.1:%u", sim_server_tls(server) ? "https" : "http",
	         (unsigned)sim_server_port(server));
	if (config_out != NULL) {
		FILE *f = open_out(a->cmd, config_out);
		if (f == NULL)
			goto out;
		int rc = sim_write_config(world, base, f, err);
		if (close_out(a->cmd, config_out, f) != 0 || rc != CK_OK) {
			if (rc != CK_OK)
				fprintf(stderr, "chakong-sim serve: --config-out: %s\n", err);
			goto out;
		}
	}
	if (port_file != NULL) {
		char text[16];
		snprintf(text, sizeof text, "%u\n", (unsigned)sim_server_port(server));
		if (write_atomically(a->cmd, port_file, text) != 0)
			goto out;
	}
	printf("listening on %s\n", base);
	fflush(stdout);

	sigset_t wait_mask = old;
	sigdelset(&wait_mask, SIGTERM);
	sigdelset(&wait_mask, SIGINT);
	while (stop_signal == 0)
		sigsuspend(&wait_mask);
	fprintf(stderr, "chakong-sim serve: %s: stopping\n",
	        stop_signal == SIGINT ? "SIGINT" : "SIGTERM");
	status = EXIT_SUCCESS;
	if (port_file != NULL)
		unlink(port_file);
out:
	sim_server_stop(server);
	sim_world_free(world);
	free(knobs);
	return status;
}

/* ---- truth, filings, config ------------------------------------------------------- */

static const char usage_truth[] =
    "usage: chakong-sim truth [--seed S] [--subjects N] [--at DATE] [--out FILE]\n"
    "\n"
    "Writes the ground truth of the simulated world as JSON: per subject and\n"
    "instance, the status and every record (docs/sim.md).\n"
    "\n"
    "  --seed S       world seed (default 1)\n"
    "  --subjects N   population size (default 1000)\n"
    "  --out FILE     write there (mode 0600) instead of standard output\n";

static const char usage_filings[] =
    "usage: chakong-sim filings --cases N [--seed S] [--subjects N] [--out FILE]\n"
    "                           [--multi PERMILLE] [--terminated PERMILLE]\n"
    "                           [--first-filed TIME] [--max-gap SECONDS]\n"
    "\n"
    "Writes a filing CSV of N cases whose debtors come from the population.\n"
    "\n"
    "  --cases N            number of cases (required)\n"
    "  --seed S             world seed (default 1)\n"
    "  --subjects N         population size (default 1000)\n"
    "  --out FILE           write there (mode 0600) instead of standard output\n"
    "  --multi PERMILLE     cases with two or more debtors, per thousand (default 100)\n"
    "  --terminated PERMILLE  cases filed as terminated, per thousand (default 50)\n"
    "  --first-filed TIME   when the earliest case was filed (ISO 8601 or a date;\n"
    "                       default 2024-03-04T09:00:00+08:00)\n"
    "  --max-gap SECONDS    the largest gap between two filings, the smallest being\n"
    "                       an eighteenth of it (default 5400); hundreds of thousands\n"
    "                       of cases need a smaller one to be filed before 2101\n";

static const char usage_config[] =
    "usage: chakong-sim config --base-url URL [--seed S] [--subjects N] [--out FILE]\n"
    "\n"
    "Writes the engine configuration naming every simulated instance at URL/ID.\n"
    "\n"
    "  --base-url URL   where chakong-sim serve listens, e.g. http://127.0.0.1:8080\n"
    "  --seed S         world seed (default 1)\n"
    "  --subjects N     population size (default 1000)\n"
    "  --out FILE       write there (mode 0600) instead of standard output\n";

enum gen_kind { GEN_TRUTH, GEN_FILINGS, GEN_CONFIG };

static int
cmd_generate(struct args *a, enum gen_kind kind)
{
	const char *usage = kind == GEN_TRUTH     ? usage_truth
	                    : kind == GEN_FILINGS ? usage_filings
	                                          : usage_config;
	struct world_opts w = {DEFAULT_SEED, DEFAULT_SUBJECTS};
	struct sim_filings_opts fo = {0};
	const char *out_path = NULL, *base_url = NULL, *first_filed = NULL, *at_text = NULL;
	uint64_t cases = 0, multi = 100, terminated = 50, max_gap = 5400;
	int have_cases = 0;
	char err[CK_ERR_SIZE] = "";

	while (a->i < a->argc) {
		const char *arg = a->argv[a->i], *v;
		int rc;
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			fputs(usage, stdout);
			return EXIT_SUCCESS;
		}
		if ((rc = world_option(a, &w)) != 0) {
			if (rc < 0)
				return EXIT_USAGE;
			continue;
		}
		if ((rc = opt_value(a, "--out", &out_path)) != 0) {
			if (rc < 0)
				return EXIT_USAGE;
			continue;
		}
		if (kind == GEN_TRUTH && (rc = opt_value(a, "--at", &at_text)) != 0) {
			if (rc < 0)
				return EXIT_USAGE;
			continue;
		}
		if (kind == GEN_CONFIG && (rc = opt_value(a, "--base-url", &base_url)) != 0) {
			if (rc < 0)
				return EXIT_USAGE;
			continue;
		}
		if (kind == GEN_FILINGS) {
			if ((rc = opt_value(a, "--cases", &v)) != 0) {
				if (rc < 0 ||
				    parse_number(a->cmd, "--cases", v, 1, CASES_MAX, &cases))
					return EXIT_USAGE;
				have_cases = 1;
				continue;
			}
			if ((rc = opt_value(a, "--multi", &v)) != 0) {
				if (rc < 0 || parse_number(a->cmd, "--multi", v, 0, 1000, &multi))
					return EXIT_USAGE;
				continue;
			}
			if ((rc = opt_value(a, "--terminated", &v)) != 0) {
				if (rc < 0 ||
				    parse_number(a->cmd, "--terminated", v, 0, 1000, &terminated))
					return EXIT_USAGE;
				continue;
			}
			if ((rc = opt_value(a, "--max-gap", &v)) != 0) {
				if (rc < 0 ||
				    parse_number(a->cmd, "--max-gap", v, 18, 86400, &max_gap))
					return EXIT_USAGE;
				continue;
			}
			if ((rc = opt_value(a, "--first-filed", &first_filed)) != 0) {
				if (rc < 0)
					return EXIT_USAGE;
				continue;
			}
		}
		fprintf(stderr, "chakong-sim %s: unknown argument \"%s\"\n%s", a->cmd, arg, usage);
		return EXIT_USAGE;
	}
	if (kind == GEN_FILINGS) {
		if (!have_cases) {
			fprintf(stderr, "chakong-sim filings: --cases N is required\n%s", usage);
			return EXIT_USAGE;
		}
		int64_t at = 0; /* 0: the library's default */
		if (first_filed != NULL && ck_time_parse_lenient(first_filed, CK_DEFAULT_OFFSET_MIN,
		                                                 &at, NULL, err) != CK_OK) {
			fprintf(stderr, "chakong-sim filings: --first-filed: %s\n", err);
			return EXIT_USAGE;
		}
		if (first_filed != NULL && at == 0)
			at = 1; /* 0 would mean the default: the epoch itself becomes 1 s after */
		fo.cases = (size_t)cases;
		fo.first_filed_at = at;
		fo.max_gap_s = (int64_t)max_gap;
		fo.multi_debtor_permille = (unsigned)multi;
		fo.terminated_permille = (unsigned)terminated;
	}
	int64_t as_of = INT64_MAX; /* truth: everything, whatever its opening day */
	if (at_text != NULL) {
		if (ck_date_parse(at_text, &as_of, err) != CK_OK) {
			fprintf(stderr, "chakong-sim truth: --at %s: %s\n", at_text, err);
			return EXIT_USAGE;
		}
	}
	if (kind == GEN_CONFIG && (base_url == NULL || *base_url == '\0')) {
		fprintf(stderr, "chakong-sim config: --base-url URL is required\n%s", usage);
		return EXIT_USAGE;
	}

	struct sim_world *world = NULL;
	if (make_world(a->cmd, &w, &world) != 0)
		return EXIT_FAILURE;
	FILE *f = open_out(a->cmd, out_path);
	if (f == NULL) {
		sim_world_free(world);
		return EXIT_FAILURE;
	}
	int rc = kind == GEN_TRUTH     ? sim_write_truth(world, as_of, f, err)
	         : kind == GEN_FILINGS ? sim_write_filings(world, &fo, f, err)
	                               : sim_write_config(world, base_url, f, err);
	int closed = close_out(a->cmd, out_path, f);
	sim_world_free(world);
	if (rc != CK_OK) {
		fprintf(stderr, "chakong-sim %s: %s\n", a->cmd, err[0] ? err : ck_strerror(rc));
		return EXIT_FAILURE;
	}
	return closed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* ---- main -------------------------------------------------------------------------- */

static const char usage_main[] =
    "usage: chakong-sim COMMAND [OPTIONS]\n"
    "\n"
    "The institution simulator of chakong: a synthetic population and every kind\n"
    "of institution the engine asks, served on loopback.\n"
    "\n"
    "commands:\n"
    "  serve     serve the instances over HTTP(S) on 127.0.0.1\n"
    "  truth     write the ground truth (JSON)\n"
    "  filings   write a filing CSV of cases from the population\n"
    "  config    write the engine configuration for a served world\n"
    "  help      show a command's options (also: COMMAND --help)\n"
    "\n"
    "chakong-sim --version prints the version.\n";

static const char *
usage_of(const char *cmd)
{
	if (strcmp(cmd, "serve") == 0)
		return usage_serve;
	if (strcmp(cmd, "truth") == 0)
		return usage_truth;
	if (strcmp(cmd, "filings") == 0)
		return usage_filings;
	if (strcmp(cmd, "config") == 0)
		return usage_config;
	return NULL;
}

int
main(int argc, char **argv)
{
	/* Every file written holds personal data of the synthetic population. */
	umask(077);
	if (argc < 2) {
		fputs(usage_main, stderr);
		return EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		fputs(usage_main, stdout);
		return EXIT_SUCCESS;
	}
	if (strcmp(cmd, "--version") == 0) {
		puts("chakong-sim " CK_VERSION);
		return EXIT_SUCCESS;
	}
	if (strcmp(cmd, "help") == 0) {
		if (argc < 3) {
			fputs(usage_main, stdout);
			return EXIT_SUCCESS;
		}
		const char *u = usage_of(argv[2]);
		if (u == NULL) {
			fprintf(stderr, "chakong-sim: no command \"%s\"\n%s", argv[2], usage_main);
			return EXIT_USAGE;
		}
		fputs(u, stdout);
		return EXIT_SUCCESS;
	}
	struct args a = {.argc = argc, .argv = argv, .i = 2, .cmd = cmd};
	if (strcmp(cmd, "serve") == 0)
		return cmd_serve(&a);
	if (strcmp(cmd, "truth") == 0)
		return cmd_generate(&a, GEN_TRUTH);
	if (strcmp(cmd, "filings") == 0)
		return cmd_generate(&a, GEN_FILINGS);
	if (strcmp(cmd, "config") == 0)
		return cmd_generate(&a, GEN_CONFIG);
	fprintf(stderr, "chakong-sim: no command \"%s\"\n%s", cmd, usage_main);
	return EXIT_USAGE;
}
