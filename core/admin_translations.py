"""Admin forms for staff-written content in every language of the shop (see core.translated_content)."""
from .translated_content import translated_fieldsets, translations_form


class TranslatedContentAdmin:
    """ModelAdmin mixin: the model's fields, then one section per language with its texts ("Name (English)").

    Set `translated_fields` (and `translated_options` for attribute options); the form is built from them.
    """

    translated_fields: tuple[str, ...] = ()
    translated_options = False

    def __init__(self, model, admin_site):
        super().__init__(model, admin_site)
        self.form = translations_form(model, self.translated_fields, options=self.translated_options)

    def get_fieldsets(self, request, obj=None):
        if self.fieldsets:
            return super().get_fieldsets(request, obj)
        return translated_fieldsets(self.form, self.get_fields(request, obj))
