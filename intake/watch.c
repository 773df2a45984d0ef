/*
 * watch.c - the watcher service (see watch.h for the promise).
 *
 * One thread runs this loop; OCR runs on intake's worker pool.
 *
 *   scan     readdir + lstat every inbox (recursively), remember each
 *            entry's size, mtime and inode and since when they have not
 *            changed.  inotify (local filesystems) only says "scan now";
 *            the scan is the truth, and a full rescan runs periodically
 *            anyway, so a lost or overflowed event costs latency, never a
 *            file.  Network filesystems (statfs) are polled.
 *   claim    an entry unchanged for the settle window, whose structure
 *            parses, oldest first: write the job row (claimed, planned
 *            spool name), then rename() the file into the spool.  A rename
 *            that fails because another watcher took the file first drops
 *            the row.  So a crash leaves either a row without a spool file
 *            (dropped on restart; the file is still in the inbox) or a
 *            spool file with its row (resumed).
 *   process  intake_stream() pulls claimed files through next_input();
 *            a filed or review document commits with its job's end
 *            (on_commit), and only then is the spool copy unlinked.
 *   refuse   the failed path is recorded, the reason file written, the
 *            scan renamed into the failed folder, then the job ended;
 *            every step can be finished after a crash.
 *
 * Logs name files and document ids, never patients.
 */
#include "watch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "../store/jobs.h"
#include "extract.h"

#define SPOOL_DIR ".chartroom"
#define MAX_DEPTH 16
#define HEARTBEAT_MS 5000
#define DEBOUNCE_MS 250
#define INSTANCE_STALE_MS 120000 /* a heartbeat older is a dead watcher */

/* An inbox folder and where its claimed and refused files go. */
struct inbox {
	char *path;    /* real path */
	char *spool;   /* <path>/.chartroom/spool-<instance> */
	char *failed;  /* real path of the failed folder */
	int lock_fd;
	int polled;    /* network filesystem (or forced): no inotify */
	int spool_existed; /* before this start: claims in it can be judged */
	dev_t dev;     /* the inbox's filesystem; mounts below are skipped */
};

/* A file seen in an inbox and not yet claimed. */
struct seen {
	char *rel;          /* relative to its inbox */
	int inbox;
	mode_t kind;        /* S_IFREG, S_IFLNK, S_IFIFO, ... */
	off_t size;
	struct timespec mtime;
	ino_t ino;
	int64_t stable_since; /* first seen with this size/mtime/inode */
	int64_t not_before;   /* does not parse yet: look again then */
	int warned;           /* a problem with it was logged once */
};

/* A claimed file (a journal row in state "claimed"). */
struct wjob {
	int64_t id;
	struct intake_input in;
	char *spool, *name, *rel, *source, *hint;
	int inbox;
	int attempts;
	int64_t next_try;   /* wall clock (it is kept in the journal) */
	int in_flight;
	int refusing;       /* a refusal to finish (code, reason, failed) */
	int settling;       /* changed after the check: wait in the spool */
	off_t size;
	struct timespec mtime;
	int64_t stable_since;
	int code;
	char *reason, *failed_path;
	struct wjob *next;
};

struct watcher {
	struct store *st;
	struct watch_config cfg; /* tunables (copied; SIGHUP replaces) */
	const struct watch_config *orig;
	char instance[64];
	char host[256];
	struct inbox *inboxes;
	size_t ninboxes;
	struct intake *in;
	struct intake_opts io;
	int ino_fd;           /* inotify, or -1 */
	struct seen *seen;    /* unclaimed entries, sorted by (inbox, rel) */
	size_t nseen;
	struct wjob *jobs;    /* claimed, in claim order */
	int64_t last_scan, dirty_since, last_beat;
	int64_t started;      /* wall clock */
	unsigned long counter;
	long filed, review, duplicate, failed;
	int store_trouble;    /* the last claim could not be recorded */
};

static volatile sig_atomic_t stop_flag, reload_flag;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_flag = 1;
	else
		stop_flag = 1;
}

/* ---- Small helpers ---------------------------------------------------- */

static char *join(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 2;
	char *p = malloc(n);

	if (p != NULL)
		snprintf(p, n, "%s/%s", a, b);
	return p;
}

/* Names that are never scans: partial downloads, editor and OS litter. */
static int ignored(const struct watch_config *c, const char *name,
		   const char *rel)
{
	static const char *const builtin[] = {
	    "*.part", "*.tmp", "*.crdownload", "*.partial", "~$*", "~*.tmp",
	    "Thumbs.db", "thumbs.db", "desktop.ini", "Desktop.ini",
	    "*.reason.txt",
	};
	size_t i;

	if (name[0] == '.')
		return 1; /* dotfiles, .DS_Store, our own .chartroom */
	for (i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++)
		if (fnmatch(builtin[i], name, 0) == 0)
			return 1;
	for (i = 0; i < c->nignore; i++)
		if (fnmatch(c->ignore[i], name, 0) == 0 ||
		    fnmatch(c->ignore[i], rel, 0) == 0)
			return 1;
	return 0;
}

static int seen_cmp(const void *a, const void *b)
{
	const struct seen *x = a, *y = b;

	if (x->inbox != y->inbox)
		return x->inbox < y->inbox ? -1 : 1;
	return strcmp(x->rel, y->rel);
}

static void seen_free(struct seen *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].rel);
	free(v);
}

/* ---- Inboxes ------------------------------------------------------------ */

/* Network filesystems do not deliver inotify events for changes made by
 * other machines: poll those. */
static int is_network_fs(const char *path)
{
	static const long magic[] = {
	    0x6969,             /* NFS */
	    0x517B,             /* SMB */
	    (long)0xFF534D42,   /* CIFS */
	    (long)0xFE534D42,   /* SMB2 */
	    0x65735546,         /* FUSE (sshfs, ...) */
	    0x73757245,         /* CODA */
	    0x5346414F,         /* AFS */
	    0x01021997,         /* 9P */
	    0x00C36400,         /* Ceph */
	    0x47504653,         /* GPFS */
	    0x0BD00BD0,         /* Lustre */
	};
	struct statfs sf;
	size_t i;

	if (statfs(path, &sf) != 0)
		return 0;
	for (i = 0; i < sizeof(magic) / sizeof(magic[0]); i++)
		if ((long)sf.f_type == magic[i])
			return 1;
	return 0;
}

static int inbox_open(struct watcher *w, struct inbox *ib, const char *given,
		      struct cr_err *err)
{
	char real[PATH_MAX], *dot = NULL, *lock = NULL, *parent = NULL;
	char name[128];
	struct stat sb;
	int rc = CR_OK;

	ib->lock_fd = -1;
	if (realpath(given, real) == NULL || stat(real, &sb) != 0)
		return cr_err_set(err, CR_ENOTFOUND, "inbox %s: %s", given,
				  strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return cr_err_set(err, CR_EINVAL, "inbox %s is not a folder",
				  given);
	ib->path = strdup(real);
	dot = join(real, SPOOL_DIR);
	snprintf(name, sizeof(name), "spool-%s", w->instance);
	ib->spool = dot ? join(dot, name) : NULL;
	snprintf(name, sizeof(name), "spool-%s.lock", w->instance);
	lock = dot ? join(dot, name) : NULL;
	if (ib->path == NULL || ib->spool == NULL || lock == NULL) {
		rc = cr_err_set(err, CR_ENOMEM, "out of memory");
		goto out;
	}
	ib->spool_existed = stat(ib->spool, &sb) == 0;
	if (stat(real, &sb) == 0)
		ib->dev = sb.st_dev;
	if (cr_mkdirs(ib->spool, err) != CR_OK) {
		rc = err->code;
		goto out;
	}
	ib->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
			   0640);
	if (ib->lock_fd < 0) {
		rc = cr_err_set(err, CR_EIO, "cannot open %s: %s", lock,
				strerror(errno));
		goto out;
	}
	if (flock(ib->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		rc = cr_err_set(err, CR_EBUSY,
				"another watcher runs as instance '%s' on inbox "
				"%s; give this one another name (--instance "
				"or instance= in the config)",
				w->instance, real);
		goto out;
	}
	/* The failed folder: configured, or "failed" beside the inbox. */
	if (w->orig->failed_dir != NULL) {
		parent = strdup(w->orig->failed_dir);
	} else {
		char *slash;
		parent = strdup(real);
		if (parent != NULL && (slash = strrchr(parent, '/')) != NULL) {
			slash[slash == parent ? 1 : 0] = '\0';
			char *f = join(*parent ? parent : "/", "failed");
			free(parent);
			parent = f;
		}
	}
	if (parent == NULL) {
		rc = cr_err_set(err, CR_ENOMEM, "out of memory");
		goto out;
	}
	if (cr_mkdirs(parent, err) != CR_OK) {
		rc = err->code;
		goto out;
	}
	if (realpath(parent, real) == NULL) {
		rc = cr_err_set(err, CR_EIO, "failed folder %s: %s", parent,
				strerror(errno));
		goto out;
	}
	ib->failed = strdup(real);
	if (ib->failed == NULL) {
		rc = cr_err_set(err, CR_ENOMEM, "out of memory");
		goto out;
	}
	ib->polled = w->cfg.poll == WATCH_POLL_ALWAYS ||
		     (w->cfg.poll == WATCH_POLL_AUTO &&
		      is_network_fs(ib->path));
out:
	free(dot);
	free(lock);
	free(parent);
	return rc;
}

static void inbox_close(struct inbox *ib)
{
	if (ib->lock_fd >= 0)
		close(ib->lock_fd);
	free(ib->path);
	free(ib->spool);
	free(ib->failed);
}

/* ---- Scanning ------------------------------------------------------------ */

struct scan {
	struct watcher *w;
	struct seen *v;
	size_t n, cap;
	int64_t now;
};

static int scan_add(struct scan *sc, int inbox, const char *rel,
		    const struct stat *sb)
{
	struct seen *e;

	if (sc->n == sc->cap) {
		size_t cap = sc->cap ? sc->cap * 2 : 256;
		struct seen *v = realloc(sc->v, cap * sizeof(*v));
		if (v == NULL)
			return CR_ENOMEM;
		sc->v = v;
		sc->cap = cap;
	}
	e = &sc->v[sc->n];
	memset(e, 0, sizeof(*e));
	if ((e->rel = strdup(rel)) == NULL)
		return CR_ENOMEM;
	e->inbox = inbox;
	e->kind = sb->st_mode & S_IFMT;
	e->size = sb->st_size;
	e->mtime = sb->st_mtim;
	e->ino = sb->st_ino;
	e->stable_since = sc->now;
	sc->n++;
	return CR_OK;
}

static void scan_dir(struct scan *sc, int inbox, const char *rel, int depth)
{
	struct watcher *w = sc->w;
	struct inbox *ib = &w->inboxes[inbox];
	char *dir = *rel ? join(ib->path, rel) : strdup(ib->path);
	struct dirent *de;
	DIR *d;

	if (dir == NULL)
		return;
	if (w->ino_fd >= 0 && !ib->polled)
		inotify_add_watch(w->ino_fd, dir,
				  /* arrivals and changes only: files leaving
				   * (our own claims) make no work */
				  IN_CREATE | IN_CLOSE_WRITE | IN_MOVED_TO |
				      IN_MODIFY | IN_ATTRIB | IN_ONLYDIR |
				      IN_DONT_FOLLOW);
	if ((d = opendir(dir)) == NULL) {
		cr_log(CR_LOG_WARN, "cannot read folder %s: %s", dir,
		       strerror(errno));
		free(dir);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		char sub[PATH_MAX];
		struct stat sb;
		if ((size_t)snprintf(sub, sizeof(sub), "%s%s%s", rel,
				     *rel ? "/" : "", de->d_name) >=
		    sizeof(sub)) {
			if (w->last_scan == 0)
				cr_log(CR_LOG_WARN, "skipped %s/%s...: the path "
						    "is too long",
				       dir, de->d_name);
			continue;
		}
		if (ignored(&w->cfg, de->d_name, sub))
			continue;
		if (fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW))
			continue; /* gone since readdir */
		if (S_ISDIR(sb.st_mode)) {
			char full[PATH_MAX + NAME_MAX + 2];
			snprintf(full, sizeof(full), "%s/%s", ib->path, sub);
			if (strcmp(full, ib->failed) == 0)
				continue; /* failed folder inside the inbox */
			if (sb.st_dev != ib->dev || depth >= MAX_DEPTH) {
				/* a mount inside the inbox: a rename into the
				 * spool cannot reach it */
				if (w->last_scan == 0)
					cr_log(CR_LOG_WARN,
					       "not watching %s: %s", full,
					       sb.st_dev != ib->dev
						   ? "another filesystem is "
						     "mounted there"
						   : "folders nest too deep");
				continue;
			}
			scan_dir(sc, inbox, sub, depth + 1);
			continue;
		}
		if (scan_add(sc, inbox, sub, &sb) != CR_OK)
			break;
	}
	closedir(d);
	free(dir);
}

/* Scan every inbox; carry over what was known of entries seen before. */
static void scan_all(struct watcher *w, int64_t now)
{
	struct scan sc;
	size_t i, k;

	/* Entries claimed or gone since the last scan have rel == NULL:
	 * close the gaps (the order stays sorted) before searching. */
	for (i = k = 0; i < w->nseen; i++)
		if (w->seen[i].rel != NULL)
			w->seen[k++] = w->seen[i];
	w->nseen = k;
	memset(&sc, 0, sizeof(sc));
	sc.w = w;
	sc.now = now;
	for (i = 0; i < w->ninboxes; i++)
		scan_dir(&sc, (int)i, "", 0);
	if (sc.n > 1)
		qsort(sc.v, sc.n, sizeof(*sc.v), seen_cmp);
	for (i = 0; i < sc.n; i++) {
		struct seen *e = &sc.v[i], *old;
		old = w->nseen ? bsearch(e, w->seen, w->nseen, sizeof(*e),
					 seen_cmp)
			       : NULL;
		if (old != NULL && old->kind == e->kind &&
		    old->size == e->size && old->ino == e->ino &&
		    old->mtime.tv_sec == e->mtime.tv_sec &&
		    old->mtime.tv_nsec == e->mtime.tv_nsec) {
			e->stable_since = old->stable_since;
			e->not_before = old->not_before;
			e->warned = old->warned;
		}
	}
	seen_free(w->seen, w->nseen);
	w->seen = sc.v;
	w->nseen = sc.n;
	w->last_scan = now;
	w->dirty_since = 0;
}

/* ---- Claiming ------------------------------------------------------------ */

static void job_free(struct wjob *j)
{
	free(j->spool);
	free(j->name);
	free(j->rel);
	free(j->source);
	free(j->hint);
	free(j->reason);
	free(j->failed_path);
	free(j);
}

/* Station and type hints from the folders above the file:
 * "ward3/release forms/x.tif" -> source ward3, hint release_form. */
static void folder_hints(struct wjob *j)
{
	char buf[PATH_MAX], *p, *slash;

	cr_strlcpy(buf, j->rel, sizeof(buf));
	for (p = buf; (slash = strchr(p, '/')) != NULL; p = slash + 1) {
		const char *t;
		*slash = '\0';
		if ((t = doctype_name(p)) != NULL) {
			if (j->hint == NULL)
				j->hint = strdup(t);
		} else if (j->source == NULL) {
			j->source = strdup(p);
		}
	}
}

static struct wjob *job_new(struct watcher *w, int inbox, const char *rel,
			    const char *spool)
{
	struct wjob *j = calloc(1, sizeof(*j));

	if (j == NULL)
		return NULL;
	j->inbox = inbox;
	j->rel = strdup(rel);
	j->spool = strdup(spool);
	j->name = join(w->inboxes[inbox].path, rel);
	if (j->rel == NULL || j->spool == NULL || j->name == NULL) {
		job_free(j);
		return NULL;
	}
	folder_hints(j);
	j->in.path = j->spool;
	j->in.name = j->name;
	j->in.source = j->source;
	j->in.doc_type_hint = j->hint;
	j->in.user = j;
	return j;
}

static void job_append(struct watcher *w, struct wjob *j)
{
	struct wjob **pp = &w->jobs;

	while (*pp != NULL)
		pp = &(*pp)->next;
	*pp = j;
}

static void job_remove(struct watcher *w, struct wjob *j)
{
	struct wjob **pp;

	for (pp = &w->jobs; *pp != NULL; pp = &(*pp)->next)
		if (*pp == j) {
			*pp = j->next;
			break;
		}
	job_free(j);
}

/* The spool name: unique across restarts and instances, the original
 * file name kept at the end for people looking at the folder. */
static void spool_name(struct watcher *w, const struct inbox *ib,
		       const char *rel, char *out, size_t n)
{
	const char *base = strrchr(rel, '/');

	snprintf(out, n, "%s/%lld-%d-%lu-%s", ib->spool,
		 (long long)cr_wall_ms(), (int)getpid(), ++w->counter,
		 base ? base + 1 : rel);
}

/* Is the file still what the scan saw, and has it been for the settle
 * window?  1 yes, 0 not yet (entry updated), -1 gone. */
static int still_stable(struct watcher *w, struct seen *e, int64_t now)
{
	char *path = join(w->inboxes[e->inbox].path, e->rel);
	struct stat sb;
	int r;

	if (path == NULL)
		return 0;
	r = lstat(path, &sb);
	/* NFS serves cached attributes for seconds: an open() revalidates
	 * them (close-to-open), so a growing file cannot look still.  Only
	 * regular files are opened, never blocking. */
	if (r == 0 && S_ISREG(sb.st_mode) && w->inboxes[e->inbox].polled) {
		int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
					O_NOCTTY | O_CLOEXEC);
		if (fd >= 0) {
			r = fstat(fd, &sb);
			close(fd);
		}
	}
	free(path);
	now = cr_now_ms(); /* the caller's clock may be seconds old */
	if (r != 0)
		return -1;
	if ((sb.st_mode & S_IFMT) != e->kind || sb.st_size != e->size ||
	    sb.st_ino != e->ino || sb.st_mtim.tv_sec != e->mtime.tv_sec ||
	    sb.st_mtim.tv_nsec != e->mtime.tv_nsec) {
		e->kind = sb.st_mode & S_IFMT;
		e->size = sb.st_size;
		e->ino = sb.st_ino;
		e->mtime = sb.st_mtim;
		e->stable_since = now;
		return 0;
	}
	return now - e->stable_since >= w->cfg.settle_ms;
}

/* A file that does not parse may still be arriving: wait for it while it
 * is younger than incomplete_ms, measured from when it last changed. */
static int parses_or_old(struct watcher *w, struct seen *e, int64_t now)
{
	char *path = join(w->inboxes[e->inbox].path, e->rel);
	struct ocr_limits lim;
	struct ocr_doc *doc;
	struct cr_err err;

	if (path == NULL)
		return 0;
	ocr_limits_default(&lim);
	cr_err_clear(&err);
	doc = ocr_doc_open(path, &lim, &err);
	free(path);
	if (doc != NULL) {
		ocr_doc_free(doc);
		return 1;
	}
	if (err.code == CR_EFORMAT &&
	    now - e->stable_since < w->cfg.incomplete_ms) {
		e->not_before = now + w->cfg.settle_ms;
		return 0;
	}
	return 1; /* refused with its reason once claimed */
}

/* Claim e: the journal row first, then the rename.  Returns the job, or
 * NULL when the file is not ours (taken by another watcher, or the
 * rename is impossible: logged, retried later). */
static struct wjob *claim(struct watcher *w, struct seen *e, int64_t now)
{
	struct inbox *ib = &w->inboxes[e->inbox];
	char spool[PATH_MAX];
	struct store_job row;
	struct cr_err err;
	struct wjob *j;
	char *src;

	spool_name(w, ib, e->rel, spool, sizeof(spool));
	j = job_new(w, e->inbox, e->rel, spool);
	src = join(ib->path, e->rel);
	if (j == NULL || src == NULL) {
		free(src);
		if (j)
			job_free(j);
		return NULL;
	}
	memset(&row, 0, sizeof(row));
	row.instance = w->instance;
	row.inbox_path = j->name;
	row.spool_path = spool;
	row.source = j->source;
	row.doc_type_hint = j->hint;
	row.size_bytes = (uint64_t)e->size;
	row.claimed_ms = cr_wall_ms();
	cr_err_clear(&err);
	if (store_job_claim(w->st, &row, &err) != CR_OK) {
		cr_log(CR_LOG_WARN, "%s: cannot record the claim: %s", src,
		       err.msg);
		e->not_before = now + w->cfg.retry_base_ms;
		w->store_trouble = 1;
		goto fail;
	}
	j->id = row.id;
	if (rename(src, spool) != 0) {
		int e2 = errno;
		struct stat sb;
		if (e2 == ENOENT && lstat(spool, &sb) == 0)
			goto claimed; /* NFS: a retransmitted rename that had
					 already happened */
		if (e2 == ENOENT && lstat(src, &sb) == 0) {
			/* the file is there, the spool is not (the hidden
			 * folder was deleted): make it again */
			cr_log(CR_LOG_ERROR, "the spool %s was missing; made "
					     "again",
			       ib->spool);
			if (cr_mkdirs(ib->spool, &err) == CR_OK &&
			    rename(src, spool) == 0)
				goto claimed;
			e2 = errno;
		}
		store_job_forget(w->st, j->id, &err);
		if (e2 != ENOENT) {
			/* EXDEV (a mount inside the inbox), EACCES: say so
			 * once, look again after a rescan period */
			if (!e->warned)
				cr_log(CR_LOG_WARN,
				       "%s: cannot move it into the spool %s: "
				       "%s",
				       src, ib->spool, strerror(e2));
			e->warned = 1;
			e->not_before = now + w->cfg.rescan_ms;
		}
		goto fail;
	}
claimed:
	/* Both folders' entries must survive a crash: the file is now only
	 * in the spool. */
	cr_fsync_parent(spool, NULL);
	cr_fsync_parent(src, NULL);
	free(src);
	/* What was checked is what was taken?  A writer that changed the
	 * file between the check and the rename goes on writing into it in
	 * the spool: let it settle there before reading. */
	{
		struct stat sb;
		if (lstat(spool, &sb) == 0 &&
		    ((sb.st_mode & S_IFMT) != e->kind ||
		     sb.st_size != e->size || sb.st_ino != e->ino ||
		     sb.st_mtim.tv_sec != e->mtime.tv_sec ||
		     sb.st_mtim.tv_nsec != e->mtime.tv_nsec)) {
			j->settling = 1;
			j->size = sb.st_size;
			j->mtime = sb.st_mtim;
			j->stable_since = cr_now_ms();
			e->kind = sb.st_mode & S_IFMT;
		}
	}
	return j;
fail:
	free(src);
	job_free(j);
	return NULL;
}

/* ---- Refusing ------------------------------------------------------------ */

static const char *what_to_do(int code)
{
	switch (code) {
	case CR_EFORMAT:
		return "The file is not a readable TIFF, PNG or JPEG image (or "
		       "it is damaged). Scan the paper again, or export it "
		       "again from the scanner, and drop the new file in the "
		       "inbox.";
	case CR_EUNSUPPORTED:
		return "Chartroom reads TIFF, PNG and JPEG scans. Set the "
		       "scanner to one of these (TIFF for several pages) and "
		       "scan again.";
	case CR_ELIMIT:
		return "The file is larger than Chartroom accepts (pages, "
		       "pixels or bytes). Scan at 300 dpi, in fewer pages per "
		       "file, and drop the new files in the inbox.";
	case CR_EPERM:
		return "Chartroom may not read this file. Give the service "
		       "read permission and move the file back into the "
		       "inbox.";
	case CR_ETIMEOUT:
		return "Reading a page took too long. Scan it again cleaner, "
		       "or raise page_timeout_seconds, and drop it in the "
		       "inbox again.";
	case CR_EINVAL:
		return "This is not a regular file, so it was not read. Put "
		       "the scan itself (not a link or a device) in the "
		       "inbox.";
	default:
		return "Check the reason above; once it is fixed, move the file "
		       "back into the inbox.";
	}
}

/* Write the reason into fd (the reserved NAME.reason.txt) and close it. */
static int write_reason(int fd, const struct wjob *j, const char *instance,
			int code, const char *reason)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	FILE *f;
	int ok;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S UTC", &tm);
	if ((f = fdopen(fd, "w")) == NULL) {
		close(fd);
		return CR_EIO;
	}
	fprintf(f,
		"This scan was not filed.\n\n"
		"File:    %s\n"
		"Reason:  %s\n"
		"Refused: %s by chartroom watch (instance %s, job %lld)\n\n"
		"What to do: %s\n",
		j->name, reason, stamp, instance, (long long)j->id,
		what_to_do(code));
	ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
	ok = fclose(f) == 0 && ok;
	return ok ? CR_OK : CR_EIO;
}

/* Every folder from base down to dir is a real folder, not a link a
 * share user put in the failed folder to send our writes elsewhere. */
static int no_links_below(const char *base, const char *dir)
{
	char buf[PATH_MAX];
	size_t n = strlen(base);
	struct stat sb;
	char *p;

	if (strncmp(dir, base, n) != 0 || cr_strlcpy(buf, dir, sizeof(buf)) >=
						 sizeof(buf))
		return 0;
	for (p = buf + n; p != NULL; p = strchr(p + 1, '/')) {
		char c = *p;
		*p = '\0';
		if (lstat(buf, &sb) != 0 || !S_ISDIR(sb.st_mode))
			return 0;
		*p = c;
		if (c == '\0')
			break;
	}
	return lstat(buf, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* Keep a file name short enough for prefixes and suffixes: the tail (with
 * the extension) of an over-long name, cut at a UTF-8 character start. */
static const char *short_base(const char *base, size_t max)
{
	size_t n = strlen(base);

	if (n <= max)
		return base;
	base += n - max;
	while ((*base & 0xC0) == 0x80)
		base++;
	return base;
}

/*
 * Reserve a name in the failed folder for rel: create NAME.reason.txt
 * with O_EXCL for a NAME that does not exist either, trying "x.tif",
 * "x (2).tif", ...  The reason file is both the reservation (two
 * watchers, or two refusals while the folder was unwritable, can never
 * pick the same name) and, once written, the explanation.  Returns its
 * descriptor with out set, or -1.
 */
static int failed_reserve(const struct inbox *ib, const char *rel, char *out,
			  size_t n)
{
	const char *base = strrchr(rel, '/'), *ext;
	char dir[PATH_MAX], stem[NAME_MAX + 1];
	struct cr_err err;
	int i;

	if (base == NULL) {
		base = rel;
		cr_strlcpy(dir, ib->failed, sizeof(dir));
	} else {
		snprintf(dir, sizeof(dir), "%s/%.*s", ib->failed,
			 (int)(base - rel), rel);
		base++;
		/* keep the station's subfolder, unless it cannot be made
		 * or is a link */
		if (cr_mkdirs(dir, &err) != CR_OK ||
		    !no_links_below(ib->failed, dir))
			cr_strlcpy(dir, ib->failed, sizeof(dir));
	}
	base = short_base(base, NAME_MAX - 32); /* " (9999)" ".reason.txt" */
	ext = strrchr(base, '.');
	if (ext == NULL || ext == base)
		ext = base + strlen(base);
	snprintf(stem, sizeof(stem), "%.*s", (int)(ext - base), base);
	for (i = 1; i < 10000; i++) {
		char reason[PATH_MAX + 16];
		struct stat sb;
		int len, fd;
		if (i == 1)
			len = snprintf(out, n, "%s/%s", dir, base);
		else
			len = snprintf(out, n, "%s/%s (%d)%s", dir, stem, i,
				       ext);
		if (len < 0 || (size_t)len >= n)
			return -1;
		snprintf(reason, sizeof(reason), "%s.reason.txt", out);
		fd = open(reason, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
				      O_CLOEXEC,
			  0640);
		if (fd < 0) {
			if (errno == EEXIST)
				continue;
			return -1;
		}
		if (lstat(out, &sb) == 0) { /* the scan's name is taken */
			close(fd);
			unlink(reason);
			continue;
		}
		return fd;
	}
	return -1;
}

/* rename() that never replaces dst: CR_EEXIST when dst exists, CR_EXDEV
 * (returned as CR_EUNSUPPORTED) when it is on another filesystem. */
static int rename_noreplace(const char *src, const char *dst)
{
	struct stat sb;

	if (renameat2(AT_FDCWD, src, AT_FDCWD, dst, RENAME_NOREPLACE) == 0)
		return CR_OK;
	if (errno == EEXIST)
		return CR_EEXIST;
	if (errno == EXDEV)
		return CR_EUNSUPPORTED;
	if (errno != EINVAL && errno != ENOSYS)
		return CR_EIO;
	/* The filesystem lacks RENAME_NOREPLACE (some network ones): look,
	 * then rename; the name was reserved, so only a person racing us
	 * inside this window could lose a file. */
	if (lstat(dst, &sb) == 0)
		return CR_EEXIST;
	if (rename(src, dst) == 0)
		return CR_OK;
	return errno == EXDEV ? CR_EUNSUPPORTED : CR_EIO;
}

/* Copy regular file src to dst (another filesystem) under a temporary
 * name, fsynced, then into place without replacing anything. */
static int copy_into(const char *src, const char *dst)
{
	char buf[65536], tmp[PATH_MAX + 16];
	int in, out, ok = 1, rc;
	ssize_t r;

	snprintf(tmp, sizeof(tmp), "%s.copying", dst);
	in = open(src, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (in < 0)
		return CR_EIO;
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
		   0640);
	if (out < 0) {
		close(in);
		return CR_EIO;
	}
	while (ok) {
		r = read(in, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			ok = r == 0;
			break;
		}
		ok = write(out, buf, (size_t)r) == r;
	}
	ok = ok && fsync(out) == 0;
	close(in);
	ok = close(out) == 0 && ok;
	rc = ok ? rename_noreplace(tmp, dst) : CR_EIO;
	if (rc != CR_OK)
		unlink(tmp);
	return rc;
}

/*
 * Move a refused file from the spool to dst, never replacing anything
 * and never opening what is not a regular file.  Across filesystems a
 * link is recreated as a link, a regular file copied; a FIFO, socket or
 * device is only removed (there is nothing in it to keep).  *dropped is
 * set then.  CR_EEXIST when dst is taken.
 */
static int move_file(const char *src, const char *dst, int *dropped)
{
	struct stat sb;
	int rc;

	*dropped = 0;
	if (lstat(src, &sb) != 0)
		return CR_EIO;
	rc = rename_noreplace(src, dst);
	if (rc != CR_EUNSUPPORTED)
		return rc;
	if (S_ISLNK(sb.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlink(src, target, sizeof(target) - 1);
		if (n < 0)
			return CR_EIO;
		target[n] = '\0';
		if (symlink(target, dst) != 0)
			return errno == EEXIST ? CR_EEXIST : CR_EIO;
	} else if (S_ISREG(sb.st_mode)) {
		if ((rc = copy_into(src, dst)) != CR_OK)
			return rc;
	} else {
		*dropped = 1;
	}
	return unlink(src) == 0 ? CR_OK : CR_EIO;
}

/* The same bytes (by size): a copy into dst that a crash interrupted
 * after it was complete. */
static int same_size(const char *a, const char *b)
{
	struct stat sa, sb;

	return lstat(a, &sa) == 0 && lstat(b, &sb) == 0 &&
	       (sa.st_mode & S_IFMT) == (sb.st_mode & S_IFMT) &&
	       sa.st_size == sb.st_size;
}

static void schedule_retry(struct watcher *w, struct wjob *j,
			   const char *reason);

/*
 * Refuse a claimed file: reserve a name in the failed folder (its reason
 * file), record it in the journal, write the reason, move the scan, end
 * the job.  planned is the failed path already recorded (resuming), or
 * NULL.  Any step that fails leaves the scan in the spool and the job
 * claimed, to be tried again; each step can be redone.
 */
static void refuse(struct watcher *w, struct wjob *j, int code,
		   const char *reason, const char *planned)
{
	struct inbox *ib = &w->inboxes[j->inbox];
	char dst[PATH_MAX], rpath[PATH_MAX + 16], why[700], problem[300];
	struct cr_err err;
	struct stat sb;
	int fd, dropped = 0, rc;

	cr_err_clear(&err);
	cr_strlcpy(why, reason, sizeof(why));
	reason = why; /* may point into j, which is freed or replaced */
	dst[0] = '\0';
	problem[0] = '\0';
	if (planned != NULL) {
		cr_strlcpy(dst, planned, sizeof(dst));
		snprintf(rpath, sizeof(rpath), "%s.reason.txt", dst);
		fd = open(rpath, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
				     O_CLOEXEC,
			  0640);
	} else {
		fd = failed_reserve(ib, j->rel, dst, sizeof(dst));
		if (fd >= 0 &&
		    store_job_failing(w->st, j->id, dst, reason, &err) != CR_OK) {
			close(fd);
			snprintf(rpath, sizeof(rpath), "%s.reason.txt", dst);
			unlink(rpath);
			dst[0] = '\0';
			cr_strlcpy(problem, err.msg, sizeof(problem));
			goto later;
		}
	}
	if (fd < 0) {
		snprintf(problem, sizeof(problem), "%s", strerror(errno));
		dst[0] = planned ? dst[0] : '\0';
		goto later;
	}
	if (write_reason(fd, j, w->instance, code, reason) != CR_OK) {
		snprintf(problem, sizeof(problem), "cannot write the reason "
						   "file");
		goto later;
	}
	if (lstat(j->spool, &sb) == 0) {
		rc = move_file(j->spool, dst, &dropped);
		if (rc == CR_EEXIST && planned != NULL &&
		    same_size(j->spool, dst)) {
			/* our own copy, interrupted before the unlink */
			rc = unlink(j->spool) == 0 ? CR_OK : CR_EIO;
		} else if (rc == CR_EEXIST) {
			/* someone put a file under the reserved name: our
			 * reason file stays with it; reserve another */
			snprintf(problem, sizeof(problem), "%s appeared under "
							   "the reserved name",
				 dst);
			dst[0] = '\0';
			goto later;
		}
		if (rc != CR_OK) {
			snprintf(problem, sizeof(problem), "cannot move it: %s",
				 strerror(errno));
			goto later;
		}
		cr_fsync_parent(dst, NULL);
		cr_fsync_parent(j->spool, NULL);
	}
	if (store_job_failed(w->st, j->id, dst, reason, &err) != CR_OK) {
		cr_strlcpy(problem, err.msg, sizeof(problem));
		goto later;
	}
	cr_log(CR_LOG_WARN, "%s: refused, %s %s: %s", j->name,
	       dropped ? "removed (not a file; reason in)" : "moved to", dst,
	       reason);
	w->failed++;
	job_remove(w, j);
	return;
later:
	/* The failed folder or the store is not writable right now: keep
	 * the claim and try again; the scan stays safe in the spool. */
	cr_log(CR_LOG_ERROR, "%s: cannot move it to the failed folder %s "
			     "(%s); will try again",
	       j->name, ib->failed, problem);
	j->refusing = 1;
	j->code = code;
	free(j->reason);
	free(j->failed_path);
	j->reason = strdup(reason);
	j->failed_path = dst[0] ? strdup(dst) : NULL;
	if (j->reason == NULL)
		j->reason = strdup("refused");
	schedule_retry(w, j, reason);
}

static void schedule_retry(struct watcher *w, struct wjob *j,
			   const char *reason)
{
	int64_t wait = w->cfg.retry_base_ms;
	struct cr_err err;
	int i;

	for (i = 0; i < j->attempts && wait < w->cfg.retry_cap_ms; i++)
		wait *= 2;
	if (wait > w->cfg.retry_cap_ms)
		wait = w->cfg.retry_cap_ms;
	j->attempts++;
	j->next_try = cr_wall_ms() + wait;
	j->in_flight = 0;
	cr_err_clear(&err);
	store_job_retry(w->st, j->id, j->attempts, j->next_try, reason, &err);
	if (j->refusing)
		cr_log(CR_LOG_WARN, "%s: the refusal will be tried again in "
				    "%.1f s",
		       j->name, (double)wait / 1000.0);
	else
		cr_log(CR_LOG_WARN, "%s: %s; trying again in %.1f s (attempt "
				    "%d)",
		       j->name, reason, (double)wait / 1000.0,
		       j->attempts + 1);
}

/* ---- Processing ------------------------------------------------------ */

/* Failures of ours (the store, memory): retried for as long as it takes. */
static int ours(const char *status, int code)
{
	return strcmp(status, "error") == 0 || code == CR_ENOMEM ||
	       code == CR_EDB;
}

/* Failures that may pass (a file still locked by its writer, a
 * permission being fixed, a share's I/O error): retried, then refused. */
static int transient(const char *status, int code)
{
	(void)status;
	return code == CR_EPERM || code == CR_EIO || code == CR_EBUSY;
}

static void done_unlink(struct watcher *w, struct wjob *j)
{
	if (unlink(j->spool) != 0 && errno != ENOENT)
		cr_log(CR_LOG_WARN, "cannot remove %s: %s", j->spool,
		       strerror(errno));
	cr_fsync_parent(j->spool, NULL);
	job_remove(w, j);
}

static int on_commit(void *ctx, struct store *st, const struct intake_input *in,
		     int64_t document_id, const char *status, int pages,
		     struct cr_err *err)
{
	const struct wjob *j = in->user;

	(void)ctx;
	return store_job_done(st, j->id, status, document_id, pages, NULL,
			      err);
}

static void on_result(void *ctx, const struct intake_result *r)
{
	struct watcher *w = ctx;
	struct wjob *j = r->input->user;
	struct cr_err err;

	cr_err_clear(&err);
	if (strcmp(r->status, "filed") == 0 ||
	    strcmp(r->status, "review") == 0) {
		cr_log(CR_LOG_INFO, "%s: %s, document %lld (%d page%s)",
		       j->name, r->status, (long long)r->document_id, r->pages,
		       r->pages == 1 ? "" : "s");
		if (r->status[0] == 'f')
			w->filed++;
		else
			w->review++;
		done_unlink(w, j);
	} else if (strcmp(r->status, "duplicate") == 0) {
		if (store_job_done(w->st, j->id, "duplicate", r->document_id, 0,
				   r->reason, &err) != CR_OK) {
			schedule_retry(w, j, err.msg);
			return;
		}
		cr_log(CR_LOG_INFO, "%s: duplicate of document %lld", j->name,
		       (long long)r->document_id);
		w->duplicate++;
		done_unlink(w, j);
	} else if (r->error_code == CR_ENOTFOUND &&
		   strcmp(r->status, "rejected") == 0 &&
		   access(j->spool, F_OK) != 0 && errno == ENOENT) {
		/* The spool copy vanished under us: nothing left to move. */
		refuse(w, j, CR_ENOTFOUND,
		       "the claimed file disappeared from the spool before it "
		       "was read (removed by someone?)",
		       NULL);
	} else if (ours(r->status, r->error_code)) {
		/* Our failure, not the scan's (store busy or full, out of
		 * memory): never refuse a scan for it; retry at the longest
		 * wait until it goes through. */
		schedule_retry(w, j, r->reason ? r->reason : r->status);
	} else if (transient(r->status, r->error_code) &&
		   j->attempts < w->cfg.retry_max) {
		schedule_retry(w, j, r->reason ? r->reason : r->status);
	} else {
		const char *why = r->reason ? r->reason : "could not be read";
		char msg[700];
		/* The message names the spool copy; name the inbox file. */
		if (strstr(why, j->spool) != NULL) {
			size_t k = (size_t)(strstr(why, j->spool) - why);
			snprintf(msg, sizeof(msg), "%.*s%s%s", (int)k, why,
				 j->name, why + k + strlen(j->spool));
			why = msg;
		}
		refuse(w, j, r->error_code, why, NULL);
	}
}

/* Refuse what is not a regular file without opening it. */
static void refuse_special(struct watcher *w, struct wjob *j, mode_t kind)
{
	const char *why = S_ISLNK(kind)
			      ? "it is a symbolic link; links are never "
				"followed, so what it points to was not read"
		      : S_ISFIFO(kind) ? "it is a named pipe (FIFO), not a file"
		      : S_ISSOCK(kind) ? "it is a socket, not a file"
				       : "it is a device, not a file";

	refuse(w, j, CR_EINVAL, why, NULL);
}

/* A claimed file that changed after its check: has it stopped changing
 * in the spool?  A regular file that became something else is refused. */
static int spool_settled(struct watcher *w, struct wjob *j)
{
	int64_t now = cr_now_ms();
	struct stat sb;

	if (lstat(j->spool, &sb) != 0)
		return 1; /* intake reports it gone */
	if (!S_ISREG(sb.st_mode)) {
		refuse_special(w, j, sb.st_mode & S_IFMT);
		return 0;
	}
	if (sb.st_size != j->size || sb.st_mtim.tv_sec != j->mtime.tv_sec ||
	    sb.st_mtim.tv_nsec != j->mtime.tv_nsec) {
		j->size = sb.st_size;
		j->mtime = sb.st_mtim;
		j->stable_since = now;
		return 0;
	}
	if (now - j->stable_since < w->cfg.settle_ms)
		return 0;
	j->settling = 0;
	return 1;
}

/* The oldest claimable entry, or NULL. */
static struct seen *oldest_ready(struct watcher *w, int64_t now)
{
	struct seen *best = NULL;
	size_t i;

	for (i = 0; i < w->nseen; i++) {
		struct seen *e = &w->seen[i];
		if (e->rel == NULL || now < e->not_before ||
		    now - e->stable_since < w->cfg.settle_ms)
			continue;
		if (best == NULL || e->mtime.tv_sec < best->mtime.tv_sec ||
		    (e->mtime.tv_sec == best->mtime.tv_sec &&
		     e->mtime.tv_nsec < best->mtime.tv_nsec))
			best = e;
	}
	return best;
}

static void maybe_scan(struct watcher *w, int64_t now);
static void beat(struct watcher *w, const char *state, int64_t now);
static void reload(struct watcher *w);

/* intake's source of files: retries that are due, then the oldest
 * stable file in the inboxes. */
static const struct intake_input *next_input(void *ctx)
{
	struct watcher *w = ctx;
	struct wjob *j, *jn;
	int64_t now, wall = cr_wall_ms();

	if (stop_flag)
		return NULL;
	now = cr_now_ms();
	if (reload_flag) {
		reload_flag = 0;
		reload(w);
	}
	maybe_scan(w, now);
	for (j = w->jobs; j != NULL && !stop_flag; j = jn) {
		jn = j->next;
		if (j->in_flight || j->next_try > wall)
			continue;
		if (j->refusing) {
			refuse(w, j, j->code, j->reason ? j->reason : "refused",
			       j->failed_path);
			continue;
		}
		if (j->settling && !spool_settled(w, j))
			continue;
		j->in_flight = 1;
		return &j->in;
	}
	/* Each pass takes the clock again: a claim may wait seconds on a
	 * busy store, and a stale "now" would make a file look settled. */
	while (!stop_flag) {
		struct seen *e;
		int r;
		now = cr_now_ms();
		if (now - w->last_beat >= HEARTBEAT_MS)
			beat(w, "running", now);
		if ((e = oldest_ready(w, now)) == NULL)
			return NULL;
		r = still_stable(w, e, now);
		if (r < 0) {
			free(e->rel);
			e->rel = NULL; /* gone; the next scan forgets it */
			continue;
		}
		if (r == 0)
			continue; /* changed: stable_since reset */
		if (e->kind == S_IFREG && !parses_or_old(w, e, cr_now_ms()))
			continue;
		w->store_trouble = 0;
		j = claim(w, e, cr_now_ms());
		if (j == NULL) {
			if (w->store_trouble)
				return NULL; /* try again after a sleep */
			if (e->not_before <= now) {
				free(e->rel); /* another watcher took it */
				e->rel = NULL;
			}
			continue;
		}
		job_append(w, j);
		if (e->kind != S_IFREG) {
			mode_t kind = e->kind;
			free(e->rel);
			e->rel = NULL;
			refuse_special(w, j, kind);
			continue;
		}
		free(e->rel);
		e->rel = NULL;
		if (j->settling)
			continue; /* changed while being claimed */
		j->in_flight = 1;
		return &j->in;
	}
	return NULL;
}

/* ---- Resuming after a crash ------------------------------------------ */

struct resume_ctx {
	struct watcher *w;
	size_t resumed, dropped, finished;
	int64_t *forget; /* claims to drop once the read is over */
	size_t nforget;
};

static int inbox_of(struct watcher *w, const char *spool)
{
	size_t i, n;

	for (i = 0; i < w->ninboxes; i++) {
		n = strlen(w->inboxes[i].spool);
		if (strncmp(spool, w->inboxes[i].spool, n) == 0 &&
		    spool[n] == '/')
			return (int)i;
	}
	return -1;
}

static int resume_one(void *ctx, const struct store_job *row)
{
	struct resume_ctx *rc = ctx;
	struct watcher *w = rc->w;
	int ib = inbox_of(w, row->spool_path);
	const char *rel;
	struct stat sb;
	struct wjob *j;
	struct cr_err err;
	int have_spool = lstat(row->spool_path, &sb) == 0;
	int gone = !have_spool && errno == ENOENT;

	cr_err_clear(&err);
	if (ib < 0) {
		/* Claimed from an inbox this run does not watch: leave it
		 * for the run that does. */
		cr_log(CR_LOG_WARN,
		       "job %lld (%s) belongs to an inbox not watched now; "
		       "left claimed",
		       (long long)row->id, row->inbox_path);
		return 0;
	}
	if (!have_spool && row->failed_path == NULL &&
	    (!gone || !w->inboxes[ib].spool_existed)) {
		/* Cannot tell (an I/O error, or the spool folder was not
		 * there before this start: an unmounted share, a deleted
		 * folder): leave the claim as it is, and say so. */
		cr_log(CR_LOG_ERROR,
		       "job %lld: its spool file %s cannot be seen (%s); left "
		       "claimed (is the share mounted?)",
		       (long long)row->id, row->spool_path,
		       gone ? "the spool folder is new" : strerror(errno));
		return 0;
	}
	if (!have_spool && row->failed_path == NULL) {
		/* The rename never happened (or lost the race): the file is
		 * still in the inbox, or another watcher has it. */
		int64_t *v = realloc(rc->forget,
				     (rc->nforget + 1) * sizeof(*v));
		if (v == NULL)
			return CR_ENOMEM;
		rc->forget = v;
		rc->forget[rc->nforget++] = row->id;
		rc->dropped++;
		return 0;
	}
	rel = row->inbox_path + strlen(w->inboxes[ib].path);
	if (*rel == '/')
		rel++;
	j = job_new(w, ib, rel, row->spool_path);
	if (j == NULL)
		return CR_ENOMEM;
	j->id = row->id;
	j->attempts = row->attempts;
	j->next_try = row->next_try_ms;
	job_append(w, j);
	if (row->failed_path != NULL) {
		/* A refusal was under way: finish it (next_input does); the
		 * reason is kept, its code is not (generic advice). */
		j->refusing = 1;
		j->code = CR_OK;
		j->reason = strdup(row->reason ? row->reason : "refused");
		j->failed_path = strdup(row->failed_path);
		j->next_try = 0;
		rc->finished++;
	} else if (!S_ISREG(sb.st_mode)) {
		j->refusing = 1;
		j->code = CR_EINVAL;
		j->reason = strdup("it is not a regular file (a link, pipe or "
				   "device), so it was not read");
		j->next_try = 0;
		rc->finished++;
	} else {
		rc->resumed++;
	}
	return 0;
}

/* What the journal says of a spool file: 'c' claimed, 'f' finished. */
static int spool_row_state(void *ctx, const struct store_job *row)
{
	*(char *)ctx = strcmp(row->state, "claimed") == 0 ? 'c' : 'f';
	return 0;
}

/* Spool files whose job finished (a crash came between the commit and
 * the unlink) are removed; spool files without a row (copied in by
 * hand) are adopted rather than left unseen. */
static void adopt_strays(struct watcher *w)
{
	size_t i;

	for (i = 0; i < w->ninboxes; i++) {
		DIR *d = opendir(w->inboxes[i].spool);
		struct dirent *de;
		if (d == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			char path[PATH_MAX];
			struct store_job row;
			struct cr_err err;
			struct wjob *j;
			char state;
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s",
				 w->inboxes[i].spool, de->d_name);
			cr_err_clear(&err);
			state = 0;
			if (store_job_by_spool(w->st, path, spool_row_state,
					       &state, &err) != 0) {
				/* the document has it: only the unlink was
				 * left to do */
				if (state == 'f' && unlink(path) == 0)
					cr_fsync_parent(path, NULL);
				continue; /* claimed: resumed already */
			}
			j = job_new(w, (int)i, de->d_name, path);
			if (j == NULL)
				continue;
			memset(&row, 0, sizeof(row));
			row.instance = w->instance;
			row.inbox_path = j->name;
			row.spool_path = path;
			if (store_job_claim(w->st, &row, &err) != CR_OK) {
				job_free(j);
				continue;
			}
			j->id = row.id;
			job_append(w, j);
			cr_log(CR_LOG_WARN, "adopted %s found in the spool "
					    "without a journal entry",
			       path);
		}
		closedir(d);
	}
}

static int resume(struct watcher *w, struct cr_err *err)
{
	struct resume_ctx rc;
	size_t i;
	int r;

	memset(&rc, 0, sizeof(rc));
	rc.w = w;
	r = store_job_each_open(w->st, w->instance, resume_one, &rc, err);
	for (i = 0; r == CR_OK && i < rc.nforget; i++)
		r = store_job_forget(w->st, rc.forget[i], err);
	free(rc.forget);
	if (r != CR_OK)
		return r;
	adopt_strays(w);
	if (rc.resumed || rc.dropped || rc.finished)
		cr_log(CR_LOG_WARN,
		       "resumed %zu claimed file%s after an unclean stop "
		       "(%zu refusal%s finished, %zu unfinished claim%s "
		       "dropped: those files are still in the inbox)",
		       rc.resumed, rc.resumed == 1 ? "" : "s", rc.finished,
		       rc.finished == 1 ? "" : "s", rc.dropped,
		       rc.dropped == 1 ? "" : "s");
	return CR_OK;
}

/* ---- The loop ---------------------------------------------------------- */

static size_t waiting_count(const struct watcher *w)
{
	size_t i, n = 0;

	for (i = 0; i < w->nseen; i++)
		n += w->seen[i].rel != NULL;
	return n;
}

static size_t job_count(const struct watcher *w)
{
	const struct wjob *j;
	size_t n = 0;

	for (j = w->jobs; j != NULL; j = j->next)
		n++;
	return n;
}

static void beat(struct watcher *w, const char *state, int64_t now)
{
	struct store_watcher hb;
	struct cr_err err;

	memset(&hb, 0, sizeof(hb));
	hb.instance = w->instance;
	hb.host = w->host;
	hb.pid = (int)getpid();
	hb.started_ms = w->started;
	hb.heartbeat_ms = cr_wall_ms();
	hb.state = state;
	hb.waiting = (int)waiting_count(w);
	hb.in_progress = (int)job_count(w);
	cr_err_clear(&err);
	if (store_watcher_beat(w->st, &hb, &err) != CR_OK)
		cr_log(CR_LOG_WARN, "heartbeat: %s", err.msg);
	w->last_beat = now;
	if (w->cfg.progress) {
		double mins = (double)(hb.heartbeat_ms - w->started) / 60000.0;
		fprintf(stderr,
			"\r\033[Kwatch: %d waiting, %d working, %ld filed, "
			"%ld review, %ld duplicate, %ld failed, %.1f docs/min",
			hb.waiting, hb.in_progress, w->filed, w->review,
			w->duplicate, w->failed,
			mins > 0 ? (double)(w->filed + w->review + w->duplicate +
					    w->failed) / mins
				 : 0.0);
		fflush(stderr);
	}
}

static void drain_inotify(struct watcher *w, int64_t now)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));

	while (read(w->ino_fd, buf, sizeof(buf)) > 0)
		if (w->dirty_since == 0)
			w->dirty_since = now;
}

static int any_polled(const struct watcher *w)
{
	size_t i;

	for (i = 0; i < w->ninboxes; i++)
		if (w->inboxes[i].polled)
			return 1;
	return 0;
}

static void maybe_scan(struct watcher *w, int64_t now)
{
	int64_t period = any_polled(w) ? w->cfg.poll_ms : w->cfg.rescan_ms;

	if (w->ino_fd >= 0)
		drain_inotify(w, now);
	if (now - w->last_scan >= period ||
	    (w->dirty_since && now - w->last_scan >= DEBOUNCE_MS))
		scan_all(w, now);
}

/* How long the loop may sleep: until the next scan, the next file that
 * becomes stable, the next retry or heartbeat; at most a second so
 * signals are seen promptly. */
static int64_t sleep_ms(struct watcher *w, int64_t now)
{
	int64_t period = any_polled(w) ? w->cfg.poll_ms : w->cfg.rescan_ms;
	int64_t until = w->last_scan + period, wall = cr_wall_ms();
	const struct wjob *j;
	size_t i;

	if (w->last_beat + HEARTBEAT_MS < until)
		until = w->last_beat + HEARTBEAT_MS;
	for (i = 0; i < w->nseen; i++) {
		const struct seen *e = &w->seen[i];
		int64_t t;
		if (e->rel == NULL)
			continue;
		t = e->stable_since + w->cfg.settle_ms;
		if (e->not_before > t)
			t = e->not_before;
		if (t < until)
			until = t;
	}
	for (j = w->jobs; j != NULL; j = j->next) {
		if (!j->in_flight && now + (j->next_try - wall) < until)
			until = now + (j->next_try - wall);
		if (j->settling && j->stable_since + w->cfg.settle_ms < until)
			until = j->stable_since + w->cfg.settle_ms;
	}
	if (until - now > 1000)
		return 1000;
	return until - now < 5 ? 5 : until - now;
}

static void free_ignore(struct watcher *w)
{
	size_t i;

	if (w->cfg.ignore == w->orig->ignore)
		return;
	for (i = 0; i < w->cfg.nignore; i++)
		free(w->cfg.ignore[i]);
	free(w->cfg.ignore);
}

static void reload(struct watcher *w)
{
	struct watch_config nc;
	struct cr_err err;

	if (w->orig->config_path == NULL) {
		cr_log(CR_LOG_INFO, "SIGHUP: no config file to read");
		return;
	}
	watch_config_default(&nc);
	cr_err_clear(&err);
	if (watch_config_load(&nc, w->orig->config_path, &err) != CR_OK) {
		cr_log(CR_LOG_ERROR, "SIGHUP: %s; keeping the running "
				     "configuration",
		       err.msg);
		watch_config_free(&nc);
		return;
	}
	/* Timings, patterns and thresholds change; inboxes, the store and
	 * the instance need a restart (they own locks and spools). */
	if (!w->orig->settle_fixed)
		w->cfg.settle_ms = nc.settle_ms;
	w->cfg.incomplete_ms = nc.incomplete_ms;
	w->cfg.poll_ms = nc.poll_ms;
	w->cfg.rescan_ms = nc.rescan_ms;
	w->cfg.retry_max = nc.retry_max;
	w->cfg.retry_base_ms = nc.retry_base_ms;
	w->cfg.retry_cap_ms = nc.retry_cap_ms;
	free_ignore(w);
	w->cfg.ignore = nc.ignore;
	w->cfg.nignore = nc.nignore;
	nc.ignore = NULL;
	nc.nignore = 0;
	if (nc.autolink_score > 0)
		w->io.match.autolink_score = nc.autolink_score;
	if (nc.min_margin > 0)
		w->io.match.min_margin = nc.min_margin;
	watch_config_free(&nc);
	if (intake_reload_roster(w->in, &err) != CR_OK)
		cr_log(CR_LOG_ERROR, "SIGHUP: roster: %s", err.msg);
	cr_log(CR_LOG_WARN, "configuration and roster read again from %s",
	       w->orig->config_path);
}


/* Is a process with this pid on this host a chartroom (the same
 * binary), not an unrelated process that reused the pid? */
static int our_binary_runs(int pid)
{
	char a[PATH_MAX], b[PATH_MAX], link[64];
	ssize_t n, m;

	if (pid <= 0 || pid == (int)getpid() || kill(pid, 0) != 0)
		return 0;
	snprintf(link, sizeof(link), "/proc/%d/exe", pid);
	n = readlink(link, a, sizeof(a) - 1);
	m = readlink("/proc/self/exe", b, sizeof(b) - 1);
	if (n < 0 || m < 0)
		return 1; /* cannot tell: assume it is */
	a[n] = b[m] = '\0';
	return strcmp(a, b) == 0;
}

/*
 * The spool lock (flock) is the first guard against two watchers under
 * one name; flock is unreliable on some network filesystems, so the
 * heartbeat is the second: a fresh one from another host, or a live
 * chartroom with another pid on this host, means the name is taken.
 */
static int instance_free(struct watcher *w, struct cr_err *err)
{
	struct store_status s;
	int64_t now = cr_wall_ms();
	size_t i;
	int rc = CR_OK;

	if (store_status_get(w->st, now, 1, &s, err) != CR_OK)
		return err->code;
	for (i = 0; i < s.nwatchers; i++) {
		const struct store_watcher *h = &s.watchers[i];
		if (strcmp(h->instance, w->instance) != 0 ||
		    (h->state != NULL && strcmp(h->state, "stopped") == 0))
			continue;
		if (h->host != NULL && strcmp(h->host, w->host) == 0
			? our_binary_runs(h->pid)
			: now - h->heartbeat_ms < INSTANCE_STALE_MS)
			rc = cr_err_set(err, CR_EBUSY,
					"another watcher runs as instance '%s' "
					"(host %s, pid %d, heartbeat %lld s "
					"ago); give this one another name "
					"(--instance or instance= in the "
					"config)",
					w->instance, h->host ? h->host : "?",
					h->pid,
					(long long)((now - h->heartbeat_ms) /
						    1000));
	}
	store_status_free(&s);
	return rc;
}

static int idle(const struct watcher *w)
{
	return waiting_count(w) == 0 && w->jobs == NULL;
}

int watch_run(struct store *st, const struct watch_config *c,
	      struct cr_err *err)
{
	struct sigaction sa;
	struct watcher w;
	size_t i;
	int rc = CR_OK;
	char *p;

	memset(&w, 0, sizeof(w));
	w.st = st;
	w.orig = c;
	w.cfg = *c;
	w.ino_fd = -1;
	w.started = cr_wall_ms();
	if (gethostname(w.host, sizeof(w.host) - 1) != 0)
		cr_strlcpy(w.host, "localhost", sizeof(w.host));
	cr_strlcpy(w.instance, c->instance ? c->instance : w.host,
		   sizeof(w.instance));
	for (p = w.instance; *p; p++)
		if (!(*p == '-' || *p == '_' || *p == '.' ||
		      (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= 'A' && *p <= 'Z')))
			*p = '_';
	if (c->ninboxes == 0)
		return cr_err_set(err, CR_EINVAL,
				  "no inbox: give one on the command line or "
				  "as inbox= in the config");

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: poll() must wake */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	stop_flag = reload_flag = 0;

	if ((rc = instance_free(&w, err)) != CR_OK)
		return rc;
	w.inboxes = calloc(c->ninboxes, sizeof(*w.inboxes));
	if (w.inboxes == NULL)
		return cr_err_set(err, CR_ENOMEM, "out of memory");
	for (i = 0; i < c->ninboxes; i++) {
		w.ninboxes++;
		if ((rc = inbox_open(&w, &w.inboxes[i], c->inboxes[i], err)))
			goto out;
		cr_log(CR_LOG_INFO, "watching %s (%s), refused files go to %s",
		       w.inboxes[i].path,
		       w.inboxes[i].polled ? "polling" : "inotify",
		       w.inboxes[i].failed);
	}
	for (i = 0; i < w.ninboxes; i++)
		if (!w.inboxes[i].polled)
			break;
	if (i < w.ninboxes) {
		w.ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (w.ino_fd < 0)
			cr_log(CR_LOG_WARN, "inotify unavailable (%s): polling "
					    "every %d ms",
			       strerror(errno), c->poll_ms);
		if (w.ino_fd < 0)
			for (i = 0; i < w.ninboxes; i++)
				w.inboxes[i].polled = 1;
	}

	intake_opts_default(&w.io);
	w.io.workers = c->workers;
	w.io.page_timeout_ms = c->page_timeout_ms;
	if (c->autolink_score > 0)
		w.io.match.autolink_score = c->autolink_score;
	if (c->min_margin > 0)
		w.io.match.min_margin = c->min_margin;
	w.io.actor = "watch";
	w.io.on_commit = on_commit;
	w.io.commit_ctx = &w;
	if ((rc = resume(&w, err)) != CR_OK)
		goto out;
	{
		/* copies into the originals folder a crash interrupted */
		size_t swept = 0;
		struct cr_err e2;
		cr_err_clear(&e2);
		if (store_sweep_temp(st, &swept, &e2) == CR_OK && swept > 0)
			cr_log(CR_LOG_WARN, "removed %zu unfinished cop%s of "
					    "originals left by a crash",
			       swept, swept == 1 ? "y" : "ies");
	}
	if ((w.in = intake_open(st, &w.io, err)) == NULL) {
		rc = err->code ? err->code : CR_ENOMEM;
		goto out;
	}
	scan_all(&w, cr_now_ms());
	beat(&w, "running", cr_now_ms());
	while (!stop_flag) {
		int64_t now;
		struct pollfd pfd;
		if (reload_flag) {
			reload_flag = 0;
			reload(&w);
		}
		rc = intake_stream(w.in, next_input, on_result, &w, err);
		if (rc != CR_OK)
			break; /* no OCR engine: nothing can be read */
		now = cr_now_ms();
		if (now - w.last_beat >= HEARTBEAT_MS || w.cfg.progress)
			beat(&w, "running", now);
		if (c->exit_when_idle && idle(&w))
			break;
		pfd.fd = w.ino_fd;
		pfd.events = POLLIN;
		poll(&pfd, w.ino_fd >= 0 ? 1 : 0, (int)sleep_ms(&w, now));
		maybe_scan(&w, cr_now_ms());
	}
	if (stop_flag)
		cr_log(CR_LOG_WARN, "stopping: finished what was in progress");
	beat(&w, "stopped", cr_now_ms());
	if (w.cfg.progress)
		fputc('\n', stderr);
out:
	intake_close(w.in);
	while (w.jobs != NULL)
		job_remove(&w, w.jobs);
	seen_free(w.seen, w.nseen);
	free_ignore(&w);
	for (i = 0; i < w.ninboxes; i++)
		inbox_close(&w.inboxes[i]);
	free(w.inboxes);
	if (w.ino_fd >= 0)
		close(w.ino_fd);
	return rc;
}
