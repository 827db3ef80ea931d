// An answer template for the fleet tests (per-machine values as {{variables}}).
export const PASSWORD = 'passw0rd-fixture';

export const TEMPLATE = `[global]
keyboard = "en-us"
country = "us"
fqdn = "{{fqdn}}"
mailto = "admin@openve.lan"
timezone = "Europe/Vienna"
root-password = "${PASSWORD}"

[network]
source = "from-answer"
cidr = "{{cidr}}"
gateway = "{{gateway}}"
dns = "{{dns}}"

[disk-setup]
filesystem = "ext4"
disk-list = ["vda"]
`;
