"""Push devices: the move from portal kept the rows; registration and removal of dead tokens."""
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from customers.tests.factories import MemberFactory
from messaging.devices import device_register, devices_remove
from messaging.models import Device


@pytest.mark.django_db(transaction=True)
def test_the_move_from_portal_keeps_every_device():
    # given the schema before the move, with a device registered in portal's table
    member = MemberFactory()
    executor = MigrationExecutor(connection)
    executor.migrate([("portal", "0001_initial"), ("messaging", None)])
    old_device = executor.loader.project_state([("portal", "0001_initial")]).apps.get_model("portal", "Device")
    old_device.objects.create(member_id=member.pk, platform="ios", push_token="apns-token-1")
    # when the migrations run forward
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    # then the device is messaging's, with its member and token, and the unique token still holds
    device = Device.objects.get()
    assert (device.member_id, device.platform, device.push_token) == (member.pk, "ios", "apns-token-1")
    assert Device._meta.db_table == "messaging_device"
    assert "portal_device" not in connection.introspection.table_names()


@pytest.mark.django_db
def test_a_token_registered_again_moves_to_the_new_member_and_dead_tokens_are_removed():
    # given two members and a token first registered by the one
    anna, boris = MemberFactory(), MemberFactory()
    device_register(member=anna, platform="android", push_token="fcm-1")
    device_register(member=anna, platform="ios", push_token="apns-2")
    # when the other registers the same token
    device_register(member=boris, platform="android", push_token="fcm-1")
    # then one row, now his
    assert Device.objects.get(push_token="fcm-1").member == boris and Device.objects.count() == 2
    # and removing tokens the provider rejected deletes only those
    assert devices_remove(push_tokens=["fcm-1", "never-seen"]) == 1
    assert list(Device.objects.values_list("push_token", flat=True)) == ["apns-2"]
