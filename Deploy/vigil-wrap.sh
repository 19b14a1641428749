# Record interactive admin commands with `vigil run --kind cli`. Source this file from
# /etc/profile.d/ or an admin's ~/.bashrc. The wrapped tools work exactly as before (stdin,
# stdout, stderr, exit status and Ctrl-C pass through); each call becomes a job_start/job_end
# pair with the person behind sudo (SUDO_USER) or the login name as the actor.

# One function per tool that changes data:
magento() { vigil run --kind cli --name magento -- php /var/www/magento/bin/magento "$@"; }
artisan() { vigil run --kind cli --name artisan -- php artisan "$@"; }
manage()  { vigil run --kind cli --name manage.py -- python3 manage.py "$@"; }

# Or wrap any command ad hoc:
#   vigil run --kind cli --tag ticket=OPS-1234 -- mysqldump shop customers > customers.sql
