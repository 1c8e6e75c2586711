/* image.h: bringing an OS image into the catalog: "image import" (any disk format qemu-img reads,
 * checked, converted to the qcow2 every cell overlays) and the NoCloud cloud-init seed that lets an
 * unmodified cloud image take the agent and its keys. */
#pragma once

#include "catalog.h"

/* Formats import accepts (qemu-img's names): qcow2, raw, vhdx, vpc (VHD). */
bool image_format_supported(const char *format);

struct image_source_info {
	char format[16];
	uint64_t virtual_size, actual_size;
	bool has_backing; /* a qcow2 or VHDX backed by another file: refused */
	bool encrypted;
};

/* Reads what qemu-img says of file. With format non-NULL, that format is assumed (no probing). */
int image_probe(const char *file, const char *format, struct image_source_info *out, char **why);

struct image_import {
	const char *name, *file;
	const char *format;                    /* NULL: probe (a raw file is then never taken for another format) */
	const char *os;                        /* "linux" (default) or "windows" */
	const char *build;                     /* free text shown in reports: "Debian 12", "Windows 11 23H2" */
	enum firmware firmware;
	const char *disk_bus;                  /* NULL: either */
	const char *kernel, *initrd, *cmdline; /* direct kernel boot of the image's own kernel; NULL: from disk */
	bool cloud_init;                       /* give every VM a NoCloud seed: the agent, its key, the host key */
	const char *agent;                     /* the static agent the seed carries (cloud_init) */
	const char *user;                      /* agent login; default root */
	const char *key, *host_key;            /* an image that already has the agent: its client key and host key */
	const char *agent_command;             /* default: where the seed installs it, or /usr/bin/compatlab-agent */
	bool replace;                          /* an existing entry of that name is replaced */
};

/* Imports into the catalog directory dir: probes and checks the file, records its SHA-256, converts it
 * to DIR/NAME/disk.qcow2, builds the seed or takes the given keys, and writes DIR/NAME.yaml last.
 * Nothing is left behind on failure. 0, or negative errno with *why. */
int image_import(const char *dir, const struct image_import *opt, char **why);

/* Writes a NoCloud seed ISO (volume "cidata": meta-data, user-data, the agent) to iso_path: root logs
 * in with client_pub, the guest's SSH host key is host_key_path (private; .pub beside it), and early in
 * every boot the agent is copied from the CD to agent_command. 0, or negative errno with *why. */
int image_build_seed(const char *iso_path, const char *instance_id, const char *client_pub, const char *host_key_path,
		     const char *agent, const char *agent_command, char **why);
