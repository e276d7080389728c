from celery import shared_task

from billing import services


@shared_task(name="billing.trial_expiry_sweep")
def trial_expiry_sweep() -> dict:
    return services.trial_expiry_sweep()


@shared_task(name="billing.local_renewal_sweep")
def local_renewal_sweep() -> dict:
    return services.local_renewal_sweep()
