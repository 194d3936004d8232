/* sns_message.c -- the JSON documents SNS POSTs to HTTP/S endpoints: Notification and
 * SubscriptionConfirmation, with their signature. Field order and the string to sign follow
 * "HTTP/HTTPS notification JSON format", "HTTP/HTTPS subscription confirmation JSON format" and
 * "Verifying the signatures of Amazon SNS messages" in the SNS developer guide. */
#include "alloc.h"
#include "json.h"
#include "sns_int.h"
#include <openssl/evp.h>
#include <string.h>

static void sw_pair(sw_buf *b, const char *key, const char *val) {
    sw_buf_puts(b, key);
    sw_buf_putc(b, '\n');
    sw_buf_puts(b, val);
    sw_buf_putc(b, '\n');
}

/* "Message, MessageId, Subject (if included), Timestamp, TopicArn, Type" for notifications;
 * "Message, MessageId, SubscribeURL, Timestamp, Token, TopicArn, Type" for confirmations. */
void sw_sns_message_string_to_sign(const sw_sns_message *m, sw_buf *out) {
    int note = strcmp(m->type, "Notification") == 0;
    sw_pair(out, "Message", m->message);
    sw_pair(out, "MessageId", m->msgid);
    if (note && m->subject) sw_pair(out, "Subject", m->subject);
    if (!note) sw_pair(out, "SubscribeURL", m->subscribe_url);
    sw_pair(out, "Timestamp", m->timestamp);
    if (!note) sw_pair(out, "Token", m->token);
    sw_pair(out, "TopicArn", m->topic_arn);
    sw_pair(out, "Type", m->type);
}

static void sw_field(sw_buf *b, const char *key, const char *val, int first) {
    if (!first) sw_buf_putc(b, ',');
    sw_buf_putc(b, '"');
    sw_buf_puts(b, key);
    sw_buf_puts(b, "\":");
    sw_json_put_string(b, val, strlen(val));
}

/* MessageAttributes as AWS renders them for HTTP/S: {"name":{"Type":"String","Value":"..."}}; binary values base64. */
static void sw_attributes(sw_buf *b, const sw_value *attrs) {
    sw_buf_puts(b, ",\"MessageAttributes\":{");
    for (size_t i = 0; i < attrs->u.map.n; i++) {
        const sw_value *v = attrs->u.map.items[i].val;
        if (i) sw_buf_putc(b, ',');
        sw_json_put_string(b, attrs->u.map.items[i].key, attrs->u.map.items[i].klen);
        sw_buf_puts(b, ":{\"Type\":");
        const char *type = sw_v_get_str(v, "DataType", "String");
        sw_json_put_string(b, type, strlen(type));
        sw_buf_puts(b, ",\"Value\":");
        const sw_value *bin = sw_v_get(v, "BinaryValue");
        if (bin && bin->type == SW_V_STRING) {
            sw_json_put_string(b, bin->u.str.s, bin->u.str.len); /* the query wire carries blobs base64 already */
        } else if (bin && bin->type == SW_V_BLOB) {
            size_t n = bin->u.str.len;
            unsigned char *enc = sw_malloc(4 * ((n + 2) / 3) + 1);
            int m = EVP_EncodeBlock(enc, (const unsigned char *)bin->u.str.s, (int)n);
            sw_json_put_string(b, (const char *)enc, (size_t)m);
            sw_free(enc);
        } else {
            const char *sv = sw_v_get_str(v, "StringValue", "");
            sw_json_put_string(b, sv, strlen(sv));
        }
        sw_buf_putc(b, '}');
    }
    sw_buf_putc(b, '}');
}

int sw_sns_message_render(sw_sns_signer *g, const char *public_url, const sw_sns_message *m, sw_buf *out) {
    int note = strcmp(m->type, "Notification") == 0;
    sw_buf sts, sig;
    sw_buf_init(&sts);
    sw_buf_init(&sig);
    int rc = 0;
    if (m->signature) {
        sw_buf_puts(&sig, m->signature);
    } else {
        sw_sns_message_string_to_sign(m, &sts);
        rc = sw_sns_sign(g, m->signature_version, sts.data, sts.len, &sig);
    }
    sw_buf_putc(&sig, '\0');
    if (rc == 0) {
        char version[4], cert_url[1200];
        snprintf(version, sizeof version, "%d", m->signature_version);
        snprintf(cert_url, sizeof cert_url, "%s%s", public_url, SW_SNS_CERT_PATH);
        sw_buf_putc(out, '{');
        sw_field(out, "Type", m->type, 1);
        sw_field(out, "MessageId", m->msgid, 0);
        if (!note) sw_field(out, "Token", m->token, 0);
        sw_field(out, "TopicArn", m->topic_arn, 0);
        if (note && m->subject) sw_field(out, "Subject", m->subject, 0);
        sw_field(out, "Message", m->message, 0);
        if (!note) sw_field(out, "SubscribeURL", m->subscribe_url, 0);
        sw_field(out, "Timestamp", m->timestamp, 0);
        sw_field(out, "SignatureVersion", version, 0);
        sw_field(out, "Signature", sig.data, 0);
        sw_field(out, "SigningCertURL", cert_url, 0);
        if (note) sw_field(out, "UnsubscribeURL", m->unsubscribe_url, 0);
        if (note && m->attributes && m->attributes->type == SW_V_MAP && m->attributes->u.map.n) sw_attributes(out, m->attributes);
        sw_buf_putc(out, '}');
    }
    sw_buf_free(&sts);
    sw_buf_free(&sig);
    return rc;
}
