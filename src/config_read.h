/* SPDX-License-Identifier: MIT */
/*
 * The configuration loader's JSON readers, for commands that add sections
 * of their own (hotmem sim): each checks one value's type and range and,
 * when it is wrong, writes one line "NAME: $.path: what" into the reader's
 * error buffer and returns -EINVAL.
 */
#ifndef HOTMEM_SRC_CONFIG_READ_H
#define HOTMEM_SRC_CONFIG_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

/**
 * struct hm_cfg_reader - where a reader is and where it reports.
 * @name:	the file, for messages.
 * @err, @errlen: the message buffer.
 * @path, @plen: the JSON path of the value being read.
 * @aggr_us:	the aggregation interval (ages given as durations).
 */
struct hm_cfg_reader {
	const char *name;
	char *err;
	size_t errlen;
	char path[512];
	size_t plen;
	uint64_t aggr_us;
};

size_t hm_cfg_push_key(struct hm_cfg_reader *c, const char *key);
size_t hm_cfg_push_idx(struct hm_cfg_reader *c, size_t i);
void hm_cfg_pop(struct hm_cfg_reader *c, size_t old);
int hm_cfg_fail(struct hm_cfg_reader *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int hm_cfg_check_keys(struct hm_cfg_reader *c, struct json_object *o, const char *const *keys,
		      size_t n, const char *const *more);
int hm_cfg_read_u64(struct hm_cfg_reader *c, struct json_object *v, uint64_t min, uint64_t max,
		    uint64_t *out);
int hm_cfg_read_u32(struct hm_cfg_reader *c, struct json_object *v, uint32_t min, uint32_t max,
		    uint32_t *out);
int hm_cfg_read_size(struct hm_cfg_reader *c, struct json_object *v, uint64_t *out);
int hm_cfg_read_us(struct hm_cfg_reader *c, struct json_object *v, uint64_t *out);
int hm_cfg_read_bool(struct hm_cfg_reader *c, struct json_object *v, bool *out);
int hm_cfg_read_enum(struct hm_cfg_reader *c, struct json_object *v, const char *const *names,
		     size_t n, unsigned int *out);
int hm_cfg_read_bp(struct hm_cfg_reader *c, struct json_object *v, uint64_t *out);
int hm_cfg_read_string(struct hm_cfg_reader *c, struct json_object *v, char *buf, size_t len);
int hm_cfg_each(struct hm_cfg_reader *c, struct json_object *arr, size_t max,
		int (*fn)(struct hm_cfg_reader *, struct json_object *, size_t, void *), void *arg);

/* Look up @key in @o; run @fn with the path extended if present. */
#define WITH(c, o, key, stmt)                                       \
	do {                                                        \
		struct json_object *_v;                             \
		if (json_object_object_get_ex(o, key, &_v)) {       \
			size_t _old = hm_cfg_push_key(c, key);             \
			int _r;                                     \
			struct json_object *v = _v;                 \
			_r = (stmt);                                \
			hm_cfg_pop(c, _old);                               \
			if (_r)                                     \
				return _r;                          \
		}                                                   \
	} while (0)

#endif /* HOTMEM_SRC_CONFIG_READ_H */
