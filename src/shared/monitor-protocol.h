/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The names cnprocd and cnprocctl must agree on: the varlink interface, where it
 * listens by default, and the errors either side sends or looks for. Event type
 * names are proc_event_type_to_string()'s (cnproc.h).
 */

#define MONITOR_INTERFACE "io.cnprocd.Monitor"
#define MONITOR_DEFAULT_SOCKET "/run/cnprocd/" MONITOR_INTERFACE

/* the interface's own errors, declared in io.cnprocd.Monitor.varlink */
#define MONITOR_ERROR_NO_SUCH_PROCESS MONITOR_INTERFACE ".NoSuchProcess"
#define MONITOR_ERROR_REPLY_TOO_LARGE MONITOR_INTERFACE ".ReplyTooLarge"
#define MONITOR_ERROR_CONFIG MONITOR_INTERFACE ".ConfigError"
#define MONITOR_ERROR_TOO_MANY_CONNECTIONS MONITOR_INTERFACE ".TooManyConnections"

/* the errors of the varlink service interface every server implements */
#define VARLINK_SERVICE_INTERFACE "org.varlink.service"
#define VARLINK_ERROR_INTERFACE_NOT_FOUND VARLINK_SERVICE_INTERFACE ".InterfaceNotFound"
#define VARLINK_ERROR_METHOD_NOT_FOUND VARLINK_SERVICE_INTERFACE ".MethodNotFound"
#define VARLINK_ERROR_METHOD_NOT_IMPLEMENTED VARLINK_SERVICE_INTERFACE ".MethodNotImplemented"
#define VARLINK_ERROR_INVALID_PARAMETER VARLINK_SERVICE_INTERFACE ".InvalidParameter"
#define VARLINK_ERROR_PERMISSION_DENIED VARLINK_SERVICE_INTERFACE ".PermissionDenied"
#define VARLINK_ERROR_EXPECTED_MORE VARLINK_SERVICE_INTERFACE ".ExpectedMore"
#define VARLINK_ERROR_INTERNAL VARLINK_SERVICE_INTERFACE ".InternalError"
