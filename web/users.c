/*
 * users.c - the API's user administration for admins: list the web app's
 * accounts, add one, change a password, disable or enable one.
 *
 * Each change goes through store/access.h, which hashes the password
 * (Argon2id), ends the user's sessions where that is due and audits the
 * change as the signed-in admin from the request's address, in the same
 * transaction.  Passwords are never echoed, logged or kept by this file
 * beyond the call.
 */
#define _POSIX_C_SOURCE 200809L
#include "api_int.h"

#include <string.h>

#define USER_AUDIT_LIST "user_list"

static int on_user(void *ctx, const struct access_user *u)
{
	json_array_append_new(
	    ctx,
	    json_pack("{s:s, s:s, s:o, s:b, s:s, s:s}", "name", u->name, "role",
	              access_role_name(u->role), "physician",
	              u->physician[0] ? json_string(u->physician) : json_null(),
	              "disabled", u->disabled, "created_at", u->created_at,
	              "updated_at", u->updated_at));
	return 0;
}

static enum MHD_Result deny_admin(struct api_call *c, const char *action)
{
	return api_deny(c, action, NULL, 0, "only an admin may manage users");
}

enum MHD_Result api_users_list(struct api_call *c)
{
	struct cr_err err;
	json_t *list;

	if (!access_role_may(c->s.user.role, ACCESS_ACT_USER_ADMIN))
		return deny_admin(c, USER_AUDIT_LIST);
	if ((list = json_array()) == NULL)
		return web_reply_error(c->r, 500, "out of memory");
	cr_err_clear(&err);
	if (access_user_each(c->st, on_user, list, &err) < 0) {
		json_decref(list);
		return api_fail(c, &err, "list users");
	}
	return web_reply_json(c->r, 200, json_pack("{s:o}", "users", list));
}

enum MHD_Result api_users_add(struct api_call *c)
{
	const char *name, *role, *physician, *password;
	struct cr_err err;
	json_t *body;
	int rc;

	if (!access_role_may(c->s.user.role, ACCESS_ACT_USER_ADMIN))
		return deny_admin(c, ACCESS_AUDIT_USER_ADD);
	if ((body = api_body_object(c)) == NULL)
		return MHD_YES;
	name = json_string_value(json_object_get(body, "name"));
	role = json_string_value(json_object_get(body, "role"));
	physician = json_string_value(json_object_get(body, "physician"));
	password = json_string_value(json_object_get(body, "password"));
	if (name == NULL || role == NULL || password == NULL) {
		json_decref(body);
		return web_reply_error(c->r, 400,
		                       "send {\"name\", \"role\", "
		                       "\"password\"} and, for a physician, "
		                       "\"physician\"");
	}
	if (physician != NULL && *physician == '\0')
		physician = NULL;
	cr_err_clear(&err);
	web_write_lock(c->r->srv);
	rc =
	    access_user_add(c->st, c->s.user.name, c->r->client, name,
	                    access_role_parse(role), physician, password, &err);
	web_write_unlock(c->r->srv);
	if (rc != CR_OK) {
		json_decref(body);
		return api_fail(c, &err, "add the user");
	}
	{
		/* name and role live in body: answer before freeing it. */
		json_t *o = json_pack("{s:s, s:s}", "name", name, "role", role);
		json_decref(body);
		return web_reply_json(c->r, 201, o);
	}
}

enum MHD_Result api_users_change(struct api_call *c, const char *name,
                                 const char *verb)
{
	enum {
		PASSWD,
		DISABLE,
		ENABLE
	} kind = strcmp(verb, "password") == 0  ? PASSWD
	         : strcmp(verb, "disable") == 0 ? DISABLE
	                                        : ENABLE;
	const char *action = kind == PASSWD    ? ACCESS_AUDIT_USER_PASSWD
	                     : kind == DISABLE ? ACCESS_AUDIT_USER_DISABLE
	                                       : ACCESS_AUDIT_USER_ENABLE;
	struct cr_err err;
	json_t *body = NULL;
	int rc;

	if (!access_role_may(c->s.user.role, ACCESS_ACT_USER_ADMIN))
		return deny_admin(c, action);
	cr_err_clear(&err);
	if (kind == PASSWD) {
		const char *password;
		if ((body = api_body_object(c)) == NULL)
			return MHD_YES;
		password = json_string_value(json_object_get(body, "password"));
		if (password == NULL) {
			json_decref(body);
			return web_reply_error(c->r, 400,
			                       "send {\"password\": "
			                       "\"...\"}");
		}
		web_write_lock(c->r->srv);
		rc = access_user_passwd(c->st, c->s.user.name, c->r->client,
		                        name, password, &err);
		web_write_unlock(c->r->srv);
		json_decref(body);
	} else {
		if (kind == DISABLE && strcmp(name, c->s.user.name) == 0)
			return web_reply_error(
			    c->r, 409,
			    "an admin cannot "
			    "disable their own account here");
		web_write_lock(c->r->srv);
		rc = kind == DISABLE
		         ? access_user_disable(c->st, c->s.user.name,
		                               c->r->client, name, &err)
		         : access_user_enable(c->st, c->s.user.name,
		                              c->r->client, name, &err);
		web_write_unlock(c->r->srv);
	}
	if (rc != CR_OK)
		return api_fail(c, &err, "change the user");
	return web_reply_json(
	    c->r, 200, json_pack("{s:s, s:s}", "name", name, "done", verb));
}
