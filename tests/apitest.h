/* SPDX-License-Identifier: BSD-2-Clause */
/* The API tests' harness: a database, a view and the API, and requests made without HTTP. */
#ifndef RBLD_APITEST_H
#define RBLD_APITEST_H

#include <jansson.h>
#include <stdint.h>

#include "../rbld/api.h"
#include "../rbld/commitq.h"
#include "../rbld/conf.h"
#include "../rbld/store.h"
#include "../rbld/view.h"

#define T0		1700000000u	/* the fake clock's start */
#define MAPSIZE		(16u << 20)

#define READER		"rbld_reader_token_for_tests_0000000000000001"
#define REPORTER	"rbld_reporter_token_for_tests_00000000000002"
#define ADMIN		"rbld_admin_token_for_tests_00000000000000003"
#define JSON		"application/json"

extern char		 tmpdir[64];	/* /tmp/rbld-check-api.XXXXXX */
extern struct conf	*conf;
extern struct store	*st;
extern struct commitq	*cq;
extern struct api	*api;
extern int		 srcids[CONF_MAX_SOURCES];
extern struct view	*view;
extern struct view_ref	 views;
extern uint32_t		 fake_now;
extern struct api_resp	 last;		/* the last response */
extern json_t		*lj;		/* its body as JSON, or NULL */
extern char		 client_ip[64];	/* where requests come from */
extern const char	*if_none_match;	/* the header requests send; NULL */

/* A database with the test configuration (sources local and reports,
 * zone bl.test, [allow] 192.0.2.99, tokens READER, REPORTER, ADMIN), its
 * view and the API; and all of it gone. */
void	setup(void);
void	teardown(void);

/*
 * METHOD PATH?ARGS with the Authorization header AUTHZ (NULL: none), from
 * client_ip. Returns the status; the response stays in last (and lj).
 */
int	call_raw(const char *method, const char *path, const char *args,
	    const char *authz, const char *ct, const char *body);
/* The same with "Bearer TOKEN" (TOKEN NULL: no header). */
int	call(const char *method, const char *path, const char *args,
	    const char *token, const char *ct, const char *body);
int	get(const char *path, const char *args, const char *token);
int	post(const char *path, const char *token, const char *body);
/* Member KEY of the last JSON answer (an object); string member KEY of O. */
json_t	*member(const char *key);
const char *jstr(json_t *o, const char *key);
/* Add PREFIX to SOURCE as admin. */
void	add_entry(const char *prefix, const char *source);

/* The last answer is an error with status STATUS and an "error" string. */
#define ck_error(expr, want) do {					\
	int st_ = (expr);						\
	ck_assert_msg(st_ == (want), "%s: status %d, want %d: %s",	\
	    #expr, st_, (want), last.body);				\
	ck_assert_msg(json_is_string(member("error")),			\
	    "no \"error\" in %s", last.body);				\
} while (0)

#define ck_status(expr, want) do {					\
	int st_ = (expr);						\
	ck_assert_msg(st_ == (want), "%s: status %d, want %d: %s",	\
	    #expr, st_, (want), last.body);				\
} while (0)

#endif
