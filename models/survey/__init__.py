"""The household survey's rows: work-list entries, visits, the persons' changed fields and their audit trail
(visits), the result frozen at the deadline and late visits (cutoff), and the village workers' personal
links and village lists (worker). Stores and reads only; what a visit changes is decided by tasks.survey.
Imports only models.* and third-party storage libraries; never tasks, flows or canbao.
"""
