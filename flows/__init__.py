"""Prefect's floor: the flows the CLI runs and prefect.yaml schedules, each @flow with its @task wrappers in one
module per phase or job (phases, monitors, collection, comparison, worklists, survey, cutoff, exchange, report,
replay), plus the outbox's sending task they share, the task runner and Prefect's environment. Flows only
orchestrate: they load through tasks/ use cases and models/ read and write functions, call the rules in tasks/,
and publish artifacts; no SQL and no file formats live here. A flows module may import tasks and models (and
other flows modules, without circles), never canbao.
"""
