// The system topic of one audited subscription and its event subscription to the function
// onResourceChange (changeEvents.bicep deploys it into a resource group of that subscription).
// Microsoft.EventGrid 2025-02-15, the latest stable version.
targetScope = 'resourceGroup'

@description('Tags for the system topic.')
param tags object

@description('Name of the system topic.')
param systemTopicName string

@description('Resource id of the function app that hosts onResourceChange.')
param functionAppId string

@description('Resource id of the user-assigned identity the topic dead-letters with.')
param deadLetterIdentityId string

@description('Resource id of the storage account that holds the dead-letter container.')
param deadLetterStorageAccountId string

@description('Blob container for events that could not be delivered.')
param deadLetterContainerName string

@description('Event types delivered (the function takes ResourceWriteSuccess and ResourceDeleteSuccess).')
@minLength(1)
param includedEventTypes array

// Event Grid allows 25 advanced-filter values in all per event subscription; this is the only
// advanced filter, so the deployment fails here, before Event Grid, if the list outgrows it.
@description('data.operationName prefixes delivered: the watched resource types, each followed by /.')
@minLength(1)
@maxLength(25)
param operationNamePrefixes array

@minValue(1)
@maxValue(30)
param maxDeliveryAttempts int

@minValue(1)
@maxValue(1440)
param eventTimeToLiveInMinutes int

// The function the event subscription delivers to (functions/onResourceChange.ts).
var functionName = 'onResourceChange'

resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: systemTopicName
  // Subscription events come from ARM, which is global: their system topic lives in 'global'.
  location: 'global'
  tags: tags
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${deadLetterIdentityId}': {} }
  }
  properties: {
    // '/subscriptions/<id>': the subscription of this resource group, the only one Event Grid allows.
    source: subscription().id
    topicType: 'Microsoft.Resources.Subscriptions'
  }
}

resource toFunction 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = {
  parent: topic
  name: 'on-resource-change'
  properties: {
    // AzureFunction: Event Grid fetches and rotates the function's key itself; nothing to manage.
    destination: {
      endpointType: 'AzureFunction'
      properties: {
        resourceId: '${functionAppId}/functions/${functionName}'
        // One event per delivery: the host answers a delivery only when all its invocations have
        // ended and a failed one redelivers all of them, so a failed audit redelivers its own event.
        maxEventsPerBatch: 1
      }
    }
    eventDeliverySchema: 'EventGridSchema'
    filter: {
      includedEventTypes: includedEventTypes
      advancedFilters: [
        {
          operatorType: 'StringBeginsWith'
          key: 'data.operationName'
          values: operationNamePrefixes
        }
      ]
    }
    // A change older than this is the timer's full scan's to find (SCAN_SCHEDULE, 6 h by default).
    retryPolicy: {
      maxDeliveryAttempts: maxDeliveryAttempts
      eventTimeToLiveInMinutes: eventTimeToLiveInMinutes
    }
    // Undeliverable events land in the app's storage, written with the topic's identity (the
    // account takes no shared keys).
    deadLetterWithResourceIdentity: {
      identity: {
        type: 'UserAssigned'
        userAssignedIdentity: deadLetterIdentityId
      }
      deadLetterDestination: {
        endpointType: 'StorageBlob'
        properties: {
          resourceId: deadLetterStorageAccountId
          blobContainerName: deadLetterContainerName
        }
      }
    }
    labels: ['egress-audit']
  }
}

output systemTopicId string = topic.id
output eventSubscriptionId string = toFunction.id
