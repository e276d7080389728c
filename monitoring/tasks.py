from celery import shared_task

from monitoring import services


@shared_task(name="monitoring.close_ended_months")
def close_ended_months() -> int:
    return services.close_ended_months()
