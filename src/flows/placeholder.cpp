// Placeholder: this module's sources land with its issue.
