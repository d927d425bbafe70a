/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The org.varlink.service interface that every varlink service provides
 * (GetInfo, GetInterfaceDescription), served like any other interface through
 * varlink.h, and the parameter checks method implementations share.
 */
#include <errno.h>
#include <string.h>

#include "macro.h"
#include "monitor-protocol.h"
#include "varlink.h"

static const char service_description[] =
	"# The Varlink Service Interface is provided by every varlink service. It\n"
	"# describes the service and the interfaces it implements.\n"
	"interface org.varlink.service\n"
	"\n"
	"# Get a list of all the interfaces a service provides and information\n"
	"# about the implementation.\n"
	"method GetInfo() -> (\n"
	"  vendor: string,\n"
	"  product: string,\n"
	"  version: string,\n"
	"  url: string,\n"
	"  interfaces: []string\n"
	")\n"
	"\n"
	"# Get the description of an interface that is implemented by this service.\n"
	"method GetInterfaceDescription(interface: string) -> (description: string)\n"
	"\n"
	"# The requested interface was not found.\n"
	"error InterfaceNotFound (interface: string)\n"
	"\n"
	"# The requested method was not found\n"
	"error MethodNotFound (method: string)\n"
	"\n"
	"# The interface defines the requested method, but the service does not\n"
	"# implement it.\n"
	"error MethodNotImplemented (method: string)\n"
	"\n"
	"# One of the passed parameters is invalid.\n"
	"error InvalidParameter (parameter: string)\n"
	"\n"
	"# Client is denied access\n"
	"error PermissionDenied ()\n"
	"\n"
	"# Method is expected to be called with 'more' set to true, but wasn't\n"
	"error ExpectedMore ()\n";

static int get_info(VarlinkCall *call, json_t *params, unsigned flags, void *userdata)
{
	const VarlinkServer *s = varlink_call_server(call);
	const VarlinkServerInfo *info = varlink_server_info(s);
	const VarlinkInterface *iface;
	json_t *ifaces;

	if (varlink_call_check_parameters(call, params, NULL, 0) < 0)
		return 0;
	ifaces = json_array();
	if (!ifaces)
		return -ENOMEM;
	for (size_t i = 0; (iface = varlink_server_interface(s, i)); i++)
		if (json_array_append_new(ifaces, json_string(iface->name)) < 0) {
			json_decref(ifaces);
			return -ENOMEM;
		}
	return varlink_call_reply(call, json_pack("{s:s,s:s,s:s,s:s,s:o}", "vendor",
						  info->vendor, "product", info->product,
						  "version", info->version, "url", info->url,
						  "interfaces", ifaces));
}

static int get_interface_description(VarlinkCall *call, json_t *params, unsigned flags,
				     void *userdata)
{
	static const VarlinkParam specs[] = { { "interface", JSON_STRING, true } };
	const VarlinkServer *s = varlink_call_server(call);
	const VarlinkInterface *iface;
	const char *name;

	if (varlink_call_check_parameters(call, params, specs, ELEMENTSOF(specs)) < 0)
		return 0;
	name = json_string_value(json_object_get(params, "interface"));
	for (size_t i = 0; (iface = varlink_server_interface(s, i)); i++)
		if (strcmp(iface->name, name) == 0)
			return varlink_call_reply(call, json_pack("{s:s}", "description",
								  iface->description));
	return varlink_call_error(call, VARLINK_ERROR_INTERFACE_NOT_FOUND,
				  json_pack("{s:s}", "interface", name));
}

static const VarlinkMethod service_methods[] = {
	{ "GetInfo", get_info },
	{ "GetInterfaceDescription", get_interface_description },
};

const VarlinkInterface varlink_service_interface = {
	.name = VARLINK_SERVICE_INTERFACE,
	.description = service_description,
	.methods = service_methods,
	.n_methods = ELEMENTSOF(service_methods),
};

int varlink_call_check_parameters(VarlinkCall *call, json_t *parameters,
				  const VarlinkParam *specs, size_t n_specs)
{
	const char *key;
	json_t *v;

	json_object_foreach(parameters, key, v) {
		const VarlinkParam *p = NULL;

		for (size_t i = 0; i < n_specs; i++)
			if (strcmp(specs[i].name, key) == 0)
				p = &specs[i];
		if (!p)
			goto invalid;
		if (json_is_null(v) && !p->required)
			continue;
		if (json_typeof(v) != p->type)
			goto invalid;
		if (p->array_of_strings) {
			size_t i;
			json_t *e;

			json_array_foreach(v, i, e)
				if (!json_is_string(e))
					goto invalid;
		}
		continue;
invalid:
		(void)varlink_call_error_invalid_parameter(call, key);
		return -EINVAL;
	}
	for (size_t i = 0; i < n_specs; i++) {
		v = json_object_get(parameters, specs[i].name);
		if (specs[i].required && (!v || json_is_null(v))) {
			(void)varlink_call_error_invalid_parameter(call, specs[i].name);
			return -EINVAL;
		}
	}
	return 0;
}

