from celery import shared_task

from peppol import services


@shared_task(name="peppol.send_transmission", acks_late=True, reject_on_worker_lost=True)
def send_transmission(pk: int) -> str:
    return services.transmission_process(pk)


@shared_task(name="peppol.sweep_transmissions")
def sweep_transmissions() -> dict:
    return services.sweep()


@shared_task(name="peppol.sync_participants")
def sync_participants() -> int:
    return services.participants_sync_all()
