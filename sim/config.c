/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.c: each simulated system described as faultline.yml sections (docs/CONFIG.md):
 * topology components with kinds, depends_on and the metric labels that identify them, the KPIs
 * with their dimensions, the models, and the batch jobs' freshness. Series carry a `service`
 * label per component, `node` for nodes and `network="cluster"` for the links, so `match` binds
 * every series the simulator writes to exactly one component.
 */
#include <stdio.h>

#include "sim.h"

static const char recs_yaml[] =
    "topology:\n"
    "  components:\n"
    "    - {name: gateway, kind: gateway, depends_on: [recs, node-a], match: {service: gateway}}\n"
    "    - name: recs\n"
    "      kind: service\n"
    "      depends_on: [user-features-db, recs-model-server, business-rules-api, network, node-a]\n"
    "      match: {service: recs}\n"
    "    - {name: user-features-db, kind: database, depends_on: [node-b], match: {service: user-features-db}}\n"
    "    - {name: recs-model-server, kind: model_server, depends_on: [node-c], match: {service: recs-model-server}}\n"
    "    - {name: business-rules-api, kind: service, depends_on: [node-b], match: {service: business-rules-api}}\n"
    "    - {name: network, kind: network, match: {network: cluster}}\n"
    "    - {name: node-a, kind: node, match: {node: node-a}}\n"
    "    - {name: node-b, kind: node, match: {node: node-b}}\n"
    "    - {name: node-c, kind: node, match: {node: node-c}}\n"
    "kpis:\n"
    "  - name: ctr\n"
    "    numerator: recs_clicks_total\n"
    "    denominator: recs_impressions_total\n"
    "    dimensions: [platform, country, app_version, experiment_arm, user_segment]\n"
    "    component: recs\n"
    "  - name: recs_latency\n"
    "    numerator: http_request_duration_seconds_sum{service=\"gateway\"}\n"
    "    denominator: http_request_duration_seconds_count{service=\"gateway\"}\n"
    "    higher_is_better: false\n"
    "    component: gateway\n"
    "models:\n"
    "  - name: recs-ranker\n"
    "    component: recs-model-server\n"
    "    features: [user_age, country, ctr_7d, price_sensitivity, item_popularity]\n"
    "    outcome: click\n";

static const char fraud_yaml[] =
    "topology:\n"
    "  components:\n"
    "    - {name: transaction-api, kind: gateway, depends_on: [fraud-service, node-a], match: {service: transaction-api}}\n"
    "    - name: fraud-service\n"
    "      kind: service\n"
    "      depends_on: [feature-store, fraud-model-server, network, node-a]\n"
    "      match: {service: fraud-service}\n"
    "    - {name: feature-store, kind: feature_store, depends_on: [node-b], match: {service: feature-store}}\n"
    "    - {name: fraud-model-server, kind: model_server, depends_on: [node-c], match: {service: fraud-model-server}}\n"
    "    - {name: network, kind: network, match: {network: cluster}}\n"
    "    - {name: node-a, kind: node, match: {node: node-a}}\n"
    "    - {name: node-b, kind: node, match: {node: node-b}}\n"
    "    - {name: node-c, kind: node, match: {node: node-c}}\n"
    "kpis:\n"
    "  - name: fraud_scoring_latency\n"
    "    numerator: fraud_score_duration_seconds_sum\n"
    "    denominator: fraud_score_duration_seconds_count\n"
    "    dimensions: [region, merchant_tier]\n"
    "    higher_is_better: false\n"
    "    component: fraud-service\n"
    "  - name: fraud_blocked_ratio\n"
    "    numerator: fraud_blocked_total\n"
    "    denominator: fraud_transactions_total\n"
    "    dimensions: [region, merchant_category]\n"
    "    direction: both\n"
    "    component: fraud-service\n"
    "models:\n"
    "  - name: fraud\n"
    "    component: fraud-model-server\n"
    "    features: [amount, amount_7d, merchant_risk, txn_count_1h, merchant_category]\n"
    "    outcome: chargeback\n";

static const char batch_yaml[] =
    "topology:\n"
    "  components:\n"
    "    - {name: segment-feature-pipeline, kind: batch_job, match: {service: segment-feature-pipeline}}\n"
    "    - {name: feature-table, kind: feature_store, depends_on: [segment-feature-pipeline], match: {service: feature-table}}\n"
    "    - {name: segment-scoring, kind: batch_job, depends_on: [feature-table], match: {service: segment-scoring}}\n"
    "    - {name: campaign-service, kind: service, depends_on: [segment-scoring], match: {service: campaign-service}}\n"
    "kpis:\n"
    "  - name: segment_conversion\n"
    "    numerator: campaign_conversions_total\n"
    "    denominator: campaign_sends_total\n"
    "    dimensions: [segment, channel]\n"
    "    component: campaign-service\n"
    "models:\n"
    "  - name: customer-segments\n"
    "    component: segment-scoring\n"
    "    features: [recency_days, frequency_30d, monetary_90d, tenure_months, acquisition_channel]\n"
    "    outcome: conversion\n"
    "freshness:\n"
    "  - {component: segment-feature-pipeline, every: 24h, grace: 2h, min_rows: 100000}\n"
    "  - {component: segment-scoring, every: 24h, grace: 3h}\n";

void sim_config_yaml(enum sim_system sys, struct fl_buf *out, const char *scrape)
{
    fl_buf_printf(out, "# faultline.yml fragment for the simulated %s system (faultline-sim).\n",
                  sim_system_name(sys));
    fl_buf_puts(out, sys == SIM_SYS_RECS    ? recs_yaml
                     : sys == SIM_SYS_FRAUD ? fraud_yaml
                                            : batch_yaml);
    (void)scrape;
}
