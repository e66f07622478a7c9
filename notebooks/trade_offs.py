# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: infrakit (.venv)
#     language: python
#     name: infrakit
# ---

# %% [markdown]
# # Trade-offs: NAT layout, Availability Zones and Aurora engine version
#
# Every configuration of NAT strategy x AZ count x engine version x storage type x readers
# around this scenario, priced for its usage with the kit's cost model (`cost_model`), with
# the expected egress lost when an AZ fails. Nothing here calls AWS.

# %% tags=["parameters"]
# Scenario keys (`infrakit keys` lists them); a parameter file sets any of them.
name: str = "payment-api"  # Scenario name, shown in reports.
region: str = "us-east-1"  # AWS region to deploy and price in.
environment: str = "dev"  # dev or prod: prod gets deletion protection and snapshot retention.
environment_suffix: str = "dev"  # Suffix in resource names so environments coexist in one account.
az_count: int = 2  # Availability Zones the VPC spans (2 to the region's AZ count).
nat_strategy: str = "single"  # per_az: a NAT gateway per AZ; single: one shared NAT gateway; regional: AWS's regional NAT gateway; none: isolated subnets with VPC endpoints (image must come from ECR).
engine_version: str = "17.7"  # Aurora PostgreSQL engine version, always a quoted string ("15.10").
instance_class: str = "db.r6g.large"  # Aurora DB instance class for writer and readers.
reader_count: int = 1  # Aurora readers besides the writer (spread over other AZs).
storage_type: str = "standard"  # Aurora storage: standard (pay per I/O) or io_optimized.
listener_protocol: str = "HTTP"  # ALB listener: HTTP (port 80) or HTTPS (443, needs domain_name).
domain_name: "Optional[str]" = None  # Domain served over HTTPS; required for HTTPS.
hosted_zone_name: "Optional[str]" = None  # Route 53 public hosted zone that covers domain_name (for DNS validation).
hosted_zone_id: "Optional[str]" = None  # ID of the hosted_zone_name zone (Route 53 console or 'aws route53 list-hosted-zones-by-name'); synthesis needs it to DNS-validate without AWS calls.
certificate_arn: "Optional[str]" = None  # Existing ACM certificate ARN to use instead of issuing one.
service_cpu: int = 512  # Fargate task CPU units (1024 is 1 vCPU).
service_memory_mib: int = 1024  # Fargate task memory in MiB (must suit service_cpu).
service_desired_count: int = 2  # Fargate tasks running.
service_arch: str = "x86_64"  # CPU architecture of the tasks.
container_image: str = "public.ecr.aws/nginx/nginx:stable"  # Container image; with nat_strategy none it must be in a private ECR registry.
container_port: int = 80  # Port the container listens on.
nat_data_gb_per_month: float = 50.0  # GB per month the service sends/receives through NAT.
internet_egress_gb_per_month: float = 10.0  # GB per month the stack sends to the internet, through the ALB or NAT (tiered Price List rate; the account's 100 GB free allowance is not subtracted).
cross_az_gb_per_month: float = 20.0  # GB per month crossing AZs between service and database.
alb_new_connections_per_second: float = 5.0  # ALB new connections per second (LCU: 25 per LCU).
alb_active_connections_per_minute: float = 300.0  # ALB active connections per minute (3,000 per LCU).
alb_processed_gb_per_hour: float = 0.05  # ALB processed GB per hour (1 GB/h per LCU).
alb_rule_evaluations_per_second: float = 5.0  # ALB rule evaluations per second (1,000 per LCU).
aurora_storage_gb: float = 20.0  # Aurora cluster volume, GB.
aurora_io_million_requests_per_month: float = 10.0  # Aurora I/O, millions of requests per month (billed on standard storage only).
aurora_backup_gb: float = 20.0  # Aurora backup storage, GB (the first cluster-volume size is free).
log_ingest_gb_per_month: float = 5.0  # CloudWatch Logs ingested per month, GB.
log_retention_days: int = 30  # CloudWatch Logs retention (a value CloudWatch allows); stored GB is ingest x retention / 30.
start_date: "Optional[str]" = None  # First month priced (YYYY-MM-DD; default: first day of next month).
horizon_months: int = 36  # Months priced from start_date.
budget_usd_per_month: "Optional[float]" = None  # Reject configurations costing more per month (first month).
egress_must_survive_az_loss: bool = False  # Require egress from healthy AZs to survive one AZ outage.
assumed_az_outages_per_year: float = 0.5  # ASSUMPTION: outages per AZ per year (no AWS figure exists; adjust to your risk view).
assumed_az_outage_hours: float = 4.0  # ASSUMPTION: hours an AZ outage lasts.
assumed_db_failover_minutes: float = 1.0  # ASSUMPTION: minutes for Aurora to fail over to a reader in another AZ.
assumed_db_recovery_minutes: float = 15.0  # ASSUMPTION: minutes for Aurora to replace a writer with no reader (new instance in another AZ).
# Report keys (not scenario keys): where and what the decision notebook deploys.
deploy_target: str = "local"  # Where the decision notebook deploys: local (the kit's AWS emulator on 127.0.0.1), aws (your account; needs credentials) or none (stop after preflight).
decide: str = "recommended"  # Which configuration the decision notebook synthesizes, preflights and deploys: recommended (the trade-off sweep's pick) or as_given (exactly this file's keys, pinned).
sensitivity_percent: float = 50.0  # How far the report's sensitivity analysis moves each usage key and assumption, up and down, in percent of its value.
fail_on: str = "failed"  # Which run status makes the decision notebook raise at its end, so papermill exits non-zero: failed (missing price, preflight errors, a failed or refused deploy, over budget), attention (warnings too) or none (explore without failing).
results_dir: str = ""  # Folder for the results JSON and Parquet (empty: beside the executed notebook, else reports/interactive/; never the working directory); the runner sets it.

# %% tags=["report-skip"]
from infrakit.report import charts, params, results, sensitivity, trade_offs, views

scenario, options = params.parameters_from_namespace(globals())
out = results.results_dir(results_dir, globals())
clock = views.Stopwatch()

# %% tags=["report-summary"]
study = trade_offs.study(scenario)
clock.lap("sweep")
views.recommendation(study)

# %% [markdown]
# ## Cheapest configurations that meet the constraints

# %%
views.cheapest(study)

# %% [markdown]
# ## Ruled out, and why

# %%
views.ruled_out(study)

# %% [markdown]
# ## Monthly cost by component

# %%
charts.stacked_cost_chart(study)

# %% [markdown]
# ## Cost against egress-outage risk

# %%
charts.cost_risk_chart(study)

# %% [markdown]
# ## Engine versions over time

# %%
timeline = trade_offs.engine_timeline(study, study.decided_id(options.decide))
charts.engine_timeline_chart(timeline, start_date=scenario["start_date"], horizon_months=scenario["horizon_months"])

# %% [markdown]
# ## NAT cost as traffic grows

# %%
curves = trade_offs.traffic_curves(study.config(study.decided_id(options.decide)))
charts.traffic_chart(curves)

# %%
views.crossovers(curves)

# %% [markdown]
# ## Usage and assumptions

# %%
clock.lap("charts")
views.inputs(study)

# %% [markdown]
# ## Sensitivity
#
# Each usage key and assumption moved alone, the decided configuration priced again and the
# whole study re-run to see whether the recommendation changes; then the break-evens.

# %%
sens = sensitivity.analyse(study, study.decided_id(options.decide), spread=options.sensitivity_percent / 100,
                           curves=curves)
clock.lap("sensitivity")
charts.tornado_chart(sens)

# %%
views.sensitivity(sens)

# %%
views.break_evens(sens)

# %% tags=["report-skip"]
results.write_results(out, "trade_offs", results.trade_offs_summary(study, curves, clock.laps, sensitivity=sens),
                      study.table)
