from django.http import HttpResponse


def password_reset_confirm(request):
    return HttpResponse("")
