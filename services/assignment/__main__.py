"""`python -m services.assignment`: run the assignment service process."""

from services.assignment.bootstrap import create_app
from services.assignment.config import AssignmentSettings
from services.runtime.host import serve

if __name__ == "__main__":
    settings = AssignmentSettings()
    serve(create_app(settings), settings)
