/* sns.h -- Amazon SNS (query protocol): topics, subscriptions, Publish, and durable delivery to HTTP(S)
 * and email endpoints, signed as AWS signs them. CloudWatch alarms publish through
 * sw_sns_publish_internal. */
#ifndef SW_SNS_H
#define SW_SNS_H
#include "metrics.h"
#include "protocol.h"
#include <stddef.h>

typedef struct sw_sns sw_sns;

typedef struct sw_sns_options {
    const char *dir;         /* DATA/sns: topics, subscriptions, delivery queue, signing key (0600) */
    const char *public_url;  /* base of SubscribeURL, UnsubscribeURL, SigningCertURL, no trailing '/' */
    const char *smtp_url;    /* "" = email subscriptions cannot be delivered (refused at Subscribe) */
    const char *smtp_from;
    sw_metrics *metrics;     /* AWS/SNS delivery metrics are written here */
    int manual_clock;        /* serve --manual-clock: the scheduler task also delivers, so moving the clock
                              * delivers what falls due before the clock request answers */
} sw_sns_options;

/* Opens (creating if needed) the SNS store, recovers the delivery queue and starts delivery.
 * Returns NULL with a reason in err. */
sw_sns *sw_sns_open(const sw_sns_options *opt, char *err, size_t errlen);
/* Stops delivery (in-flight attempts finish or are retried after restart) and closes the store. */
void sw_sns_close(sw_sns *s);

/* Publishes message (and subject, may be NULL) to topic_arn as its owner would, e.g. for an alarm
 * action. Returns 0 with the MessageId in msgid (37 bytes), or -1 with AWS's reason in err when the
 * topic does not exist in that account and region. Thread-safe. */
int sw_sns_publish_internal(sw_sns *s, const char *account, const char *region, const char *topic_arn,
                            const char *subject, const char *message, char msgid[37], char *err, size_t errlen);

/* Unsigned requests SNS answers itself: the SubscribeURL (GET ?Action=ConfirmSubscription&TopicArn=&Token=),
 * the UnsubscribeURL (GET ?Action=Unsubscribe&SubscriptionArn=) and the SigningCertURL. Returns 1 and fills
 * resp when req is one of them, else 0. */
int sw_sns_public_request(sw_server *srv, const sw_http_request *req, sw_http_response *resp);

#endif
