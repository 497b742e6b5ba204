import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")

from console.live import LiveWSGI

# Unchanged live polls are answered before Django (see console.live).
application = LiveWSGI(get_wsgi_application())
