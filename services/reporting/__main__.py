"""`python -m services.reporting`: run the reporting service process."""

from services.reporting.bootstrap import create_app
from services.reporting.config import ReportingSettings
from services.runtime.host import serve

if __name__ == "__main__":
    settings = ReportingSettings()
    serve(create_app(settings), settings)
