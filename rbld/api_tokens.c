/* SPDX-License-Identifier: BSD-2-Clause */
/* API handlers for credentials: who a token is, and tokens as rbldctl token makes them. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "api_int.h"
#include "log.h"

/* The [token] stanza of V's configuration named NAME, or NULL. */
static const struct conf_token *
conf_token(const struct view *v, const char *name)
{
	for (int i = 0; i < v->conf->ntokens; i++)
		if (strcmp(v->conf->tokens[i].name, name) == 0)
			return &v->conf->tokens[i];
	return NULL;
}

void
api_tokens_whoami(struct api *api, const struct view *v,
    const struct api_req *rq, struct api_resp *rs, const char *param,
    const char *who)
{
	const struct conf_token *ct = conf_token(v, who);
	struct auth_token rec;
	int role = -1;

	(void)rq;
	(void)param;
	if (ct != NULL)
		role = ct->role;
	else if (auth_token_get(api->st, who, &rec) == 0)
		role = rec.role;
	if (role < 0) {
		/* Revoked between the check and here. */
		api_error(rs, 401, "invalid token");
		return;
	}
	api_reply(rs, 200, json_pack("{s:s,s:s}", "name", who, "role",
	    token_role_name(role)));
}

struct list_ctx {
	json_t		*arr;
	const struct view *v;
};

static int
list_cb(void *arg, const char *name, const struct auth_token *rec)
{
	struct list_ctx *lc = arg;

	if (conf_token(lc->v, name) != NULL)
		return 0;	/* the config's wins, as auth_bearer reads it */
	json_array_append_new(lc->arr, json_pack("{s:s,s:s,s:o,s:b}", "name",
	    name, "role", token_role_name(rec->role), "created",
	    api_json_time((uint32_t)rec->created), "config", 0));
	return 0;
}

void
api_tokens_get(struct api *api, const struct view *v,
    const struct api_req *rq, struct api_resp *rs, const char *param,
    const char *who)
{
	struct list_ctx lc = { json_array(), v };

	(void)rq;
	(void)param;
	(void)who;
	for (int i = 0; i < v->conf->ntokens; i++)
		json_array_append_new(lc.arr, json_pack("{s:s,s:s,s:n,s:b}",
		    "name", v->conf->tokens[i].name, "role",
		    token_role_name(v->conf->tokens[i].role), "created",
		    "config", 1));
	if (auth_token_walk(api->st, list_cb, &lc) != 0) {
		json_decref(lc.arr);
		api_error(rs, 500, "cannot read the tokens");
		return;
	}
	api_reply(rs, 200, json_pack("{s:o}", "tokens", lc.arr));
}

void
api_tokens_post(struct api *api, const struct view *v,
    const struct api_req *rq, struct api_resp *rs, const char *param,
    const char *who)
{
	static const char *const keys[] = { "name", "role", NULL };
	const char *name = NULL, *rolename = NULL;
	char tok[TOKEN_LEN + 1];
	struct auth_token rec;
	json_t *j;
	int role;

	(void)param;
	if ((j = api_json_body(rq, rs, keys)) == NULL)
		return;
	if (api_json_string(j, "name", &name, rs) != 0 ||
	    api_json_string(j, "role", &rolename, rs) != 0)
		goto out;
	if (name == NULL || !token_name_ok(name)) {
		api_error(rs, 400, "name must be 1 to %d letters, digits, "
		    "\".\", \"_\" or \"-\"", TOKEN_NAME_MAX);
		goto out;
	}
	if (rolename == NULL || (role = token_role_parse(rolename)) < 0) {
		api_error(rs, 400, "role must be reader, reporter or admin");
		goto out;
	}
	if (conf_token(v, name) != NULL) {
		api_error(rs, 409, "token %s is defined in rbld.conf", name);
		goto out;
	}
	memset(&rec, 0, sizeof(rec));
	rec.role = role;
	rec.created = (int64_t)api->now();
	if (token_generate(tok) != 0) {
		api_error(rs, 500, "cannot make a random token");
		goto out;
	}
	token_hash(tok, rec.hash);
	if (auth_token_put(api->st, name, &rec) != 0) {
		if (errno == EEXIST)
			api_error(rs, 409, "token %s exists", name);
		else
			api_write_error(rs, "cannot store the token", NULL);
		goto out;
	}
	log_info("api: token %s (%s) created by %s", name,
	    token_role_name(role), who);
	api_reply(rs, 201, json_pack("{s:s,s:s,s:s}", "name", name, "role",
	    token_role_name(role), "token", tok));
	memset(tok, 0, sizeof(tok));
out:
	json_decref(j);
}

void
api_tokens_delete(struct api *api, const struct view *v,
    const struct api_req *rq, struct api_resp *rs, const char *name,
    const char *who)
{
	(void)rq;
	if (conf_token(v, name) != NULL) {
		api_error(rs, 409, "token %s is defined in rbld.conf: remove it "
		    "there and reload", name);
		return;
	}
	if (auth_token_del(api->st, name) != 0) {
		if (errno == ENOENT || errno == EINVAL)
			api_error(rs, 404, "no token %s", name);
		else
			api_write_error(rs, "cannot remove the token", NULL);
		return;
	}
	log_info("api: token %s revoked by %s", name, who);
	api_reply(rs, 200, json_pack("{s:s,s:b}", "name", name, "revoked", 1));
}
