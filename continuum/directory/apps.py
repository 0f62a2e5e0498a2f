from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save


class DirectoryConfig(AppConfig):
    name = "continuum.directory"
    label = "directory"

    def ready(self) -> None:
        # The match index follows every single-row write (bulk writes refresh it themselves).
        from continuum.directory import match_index

        for model in match_index.WATCHED:
            post_save.connect(
                match_index._on_write, sender=model, dispatch_uid=f"match-{model.__name__}"
            )
            post_delete.connect(
                match_index._on_write, sender=model, dispatch_uid=f"match-del-{model.__name__}"
            )
        post_migrate.connect(match_index.fill_if_empty, sender=self, dispatch_uid="match-fill")
