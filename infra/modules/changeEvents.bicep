// Change events of one audited subscription (docs/change-events.md): ARM's system topic for the
// subscription and an event subscription that delivers the writes and deletes of the resource
// types the checks read to the function onResourceChange. main.bicep deploys one per audited
// subscription, at that subscription's scope.
//
// Event Grid keeps a subscription's system topic in a resource group of that same subscription
// (there is no cross-subscription system topic), so this module creates that group there and
// deploys the topic into it (changeEventsTopic.bicep). Only one system topic may exist per source:
// a subscription that already has one fails here (docs/change-events.md, "Limits").
targetScope = 'subscription'

@description('Region of the resource group that holds the system topic (the topic itself is global, as ARM is).')
param location string

@description('Tags for the resource group and the system topic.')
param tags object

@description('Resource group to create (or reuse) in this subscription for its system topic.')
param resourceGroupName string

@description('Name of the system topic.')
param systemTopicName string

@description('Resource id of the function app that hosts onResourceChange.')
param functionAppId string

@description('Resource id of the user-assigned identity the system topic dead-letters with (Storage Blob Data Contributor on the container).')
param deadLetterIdentityId string

@description('Resource id of the storage account that holds the dead-letter container.')
param deadLetterStorageAccountId string

@description('Blob container for events that could not be delivered.')
param deadLetterContainerName string

@description('Delivery attempts before an event is dead-lettered (Event Grid: 1-30).')
@minValue(1)
@maxValue(30)
param maxDeliveryAttempts int = 10

@description('Minutes an undelivered event is retried before it is dead-lettered (Event Grid: 1-1440).')
@minValue(1)
@maxValue(1440)
param eventTimeToLiveInMinutes int = 360

// The two event types the function takes: CHANGE_EVENT_TYPES of src/model/changeEvent.ts.
var changeEventTypes = [
  'Microsoft.Resources.ResourceWriteSuccess'
  'Microsoft.Resources.ResourceDeleteSuccess'
]

// data.operationName prefixes: WATCHED_RESOURCE_TYPES of src/model/changeEvent.ts, each followed by
// '/', so a watched type's own writes and deletes and those of its child types pass
// (routeTables/write, routeTables/routes/delete) and no other type sharing its first letters does.
// Event Grid compares without case and allows 25 advanced-filter values per event subscription.
// test/infra/changeEvents.test.ts holds both lists equal to the model.
var operationNamePrefixes = [
  'Microsoft.ContainerService/managedClusters/'
  'Microsoft.HDInsight/clusterpools/'
  'Microsoft.Network/routeTables/'
  'Microsoft.Network/virtualNetworks/'
  'Microsoft.Network/virtualHubs/'
  'Microsoft.Network/azureFirewalls/'
  'Microsoft.Network/firewallPolicies/'
  'Microsoft.Network/ipGroups/'
  'Microsoft.Network/publicIPAddresses/'
  'Microsoft.Network/publicIPPrefixes/'
  'Microsoft.Network/natGateways/'
  'Microsoft.Network/networkSecurityGroups/'
  'Microsoft.Network/loadBalancers/'
  'Microsoft.Network/privateDnsZones/'
  'Microsoft.Compute/virtualMachineScaleSets/'
  'Microsoft.Authorization/roleAssignments/'
]

resource eventsGroup 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: resourceGroupName
  location: location
  tags: tags
}

module topic 'changeEventsTopic.bicep' = {
  name: 'egress-audit-change-events'
  scope: eventsGroup
  params: {
    tags: tags
    systemTopicName: systemTopicName
    functionAppId: functionAppId
    deadLetterIdentityId: deadLetterIdentityId
    deadLetterStorageAccountId: deadLetterStorageAccountId
    deadLetterContainerName: deadLetterContainerName
    includedEventTypes: changeEventTypes
    operationNamePrefixes: operationNamePrefixes
    maxDeliveryAttempts: maxDeliveryAttempts
    eventTimeToLiveInMinutes: eventTimeToLiveInMinutes
  }
}

output systemTopicId string = topic.outputs.systemTopicId
output eventSubscriptionId string = topic.outputs.eventSubscriptionId
