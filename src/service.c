/* service.c -- the registry of services and the lookup of their handlers. */
#include "service.h"
#include "log.h"
#include <stdlib.h>
#include <string.h>

sw_handler_fn sw_service_handler(const sw_service *svc, const char *op) {
    for (size_t i = 0; i < svc->nhandlers; i++)
        if (strcmp(svc->handlers[i].op, op) == 0) return svc->handlers[i].fn;
    return NULL;
}

sw_json_handler_fn sw_service_json_handler(const sw_service *svc, const char *op) {
    for (size_t i = 0; i < svc->njson_handlers; i++)
        if (strcmp(svc->json_handlers[i].op, op) == 0) return svc->json_handlers[i].fn;
    return NULL;
}

void sw_service_init(sw_service *svc, const char *model_start, const char *model_end) {
    char err[256];
    sw_model *m = sw_model_load(model_start, (size_t)(model_end - model_start), err, sizeof err);
    if (!m) {
        sw_log("fatal", "embedded service model is invalid", "\"service\":\"%s\",\"error\":\"%s\"", svc->signing_name, err);
        abort();
    }
    svc->model = m;
}

const sw_service *const *sw_services(void) {
    static const sw_service *all[4];
    if (!all[0]) {
        all[2] = sw_sns_service();
        all[1] = sw_logs_service();
        all[0] = sw_cloudwatch_service();
    }
    return all;
}
