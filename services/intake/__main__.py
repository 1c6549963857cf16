"""`python -m services.intake`: run the intake service process."""

from services.intake.bootstrap import create_app
from services.intake.config import IntakeSettings
from services.runtime.host import serve

if __name__ == "__main__":
    settings = IntakeSettings()
    serve(create_app(settings), settings)
