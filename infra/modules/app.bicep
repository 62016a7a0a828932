// The function app and what it needs, in one resource group: a user-assigned identity, storage
// (history, deployment package, dead-lettered change events; no shared keys), the identity the
// change events' system topics dead-letter with, a Key Vault for the secrets the settings
// reference, Application Insights on a Log Analytics workspace, a Flex Consumption plan and the
// app with its settings. Every resource carries `tags`; the app also `azd-service-name: api`.
targetScope = 'resourceGroup'

param location string
param tags object
param baseName string
@description('Object id of the deployer (may be empty): Key Vault Secrets Officer on the vault.')
param principalId string
param scanSubscriptions string
param scanSchedule string
param scanFanout string
param scanShardSize int
@secure()
param teamsWebhookUrl string
@secure()
param baselineUrl string
param authAllowedRoles string
param authAllowedGroups string
param authClientId string

@description('Flex Consumption scale limits.')
param maximumInstanceCount int = 40
@allowed([2048, 4096])
param instanceMemoryMB int = 2048

var token = toLower(uniqueString(resourceGroup().id, baseName))
var base = toLower(baseName)
var appName = 'func-${base}-${token}'
var storageName = take('st${base}${token}', 24)
var packageContainer = 'app-package-${take(appName, 32)}'
var vaultName = take('kv${base}${token}', 24)
// Change events Event Grid could not deliver (docs/change-events.md).
var deadLetterContainer = 'event-deadletter'

// Built-in roles the app's identity needs on its own storage: the Functions host (blobs, queues)
// and the scan history (blobs and tables).
var storageRoles = [
  'b7e6dc6d-f1e8-4753-8033-0f276bb0955b' // Storage Blob Data Owner
  '974c5e8b-45b9-4653-ba55-5f855dd0fb88' // Storage Queue Data Contributor
  '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3' // Storage Table Data Contributor
]
var monitoringMetricsPublisher = '3913510d-42f4-4e42-8a64-420c390055eb'
var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'
var keyVaultSecretsOfficer = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
var storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-${baseName}-${token}'
  location: location
  tags: tags
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: storageName
  location: location
  kind: 'StorageV2'
  tags: tags
  sku: { name: 'Standard_LRS' }
  properties: {
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
  }
  resource blobs 'blobServices' = {
    name: 'default'
    resource packages 'containers' = {
      name: packageContainer
      properties: { publicAccess: 'None' }
    }
    resource deadLetter 'containers' = {
      name: deadLetterContainer
      properties: { publicAccess: 'None' }
    }
  }
}

resource storageAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for roleId in storageRoles: {
  name: guid(storage.id, identity.id, roleId)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}]

// The identity the audited subscriptions' system topics dead-letter with: it may write blobs to
// the dead-letter container and nothing else (the app's own identity stays the app's).
resource eventsIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-${baseName}-events-${token}'
  location: location
  tags: tags
}

resource deadLetterAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage::blobs::deadLetter.id, eventsIdentity.id, storageBlobDataContributor)
  scope: storage::blobs::deadLetter
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributor)
    principalId: eventsIdentity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: 'log-${baseName}-${token}'
  location: location
  tags: tags
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 30
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: 'appi-${baseName}-${token}'
  location: location
  kind: 'web'
  tags: tags
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logs.id
    DisableLocalAuth: true
  }
}

resource insightsAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(insights.id, identity.id, monitoringMetricsPublisher)
  scope: insights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisher)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// Secrets the app settings reference (`@Microsoft.KeyVault(SecretUri=...)`): the Teams webhook and
// the baseline URL (it may carry a SAS token). Access by Azure RBAC only.
resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: vaultName
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    publicNetworkAccess: 'Enabled'
  }
}

resource webhookSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(teamsWebhookUrl)) {
  parent: vault
  name: 'teams-webhook-url'
  tags: tags
  properties: { value: teamsWebhookUrl }
}

resource baselineSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(baselineUrl)) {
  parent: vault
  name: 'baseline-url'
  tags: tags
  properties: { value: baselineUrl }
}

resource vaultAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, identity.id, keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// The deployer may rotate the secrets (az keyvault secret set) without redeploying.
resource vaultOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(principalId)) {
  name: guid(vault.id, principalId, keyVaultSecretsOfficer)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsOfficer)
    principalId: principalId
  }
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: 'plan-${baseName}-${token}'
  location: location
  kind: 'functionapp'
  tags: tags
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: appName
  location: location
  kind: 'functionapp,linux'
  // azd deploys the service `api` of azure.yaml to the app with this tag.
  tags: union(tags, { 'azd-service-name': 'api' })
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references resolve with the user-assigned identity (the app has no system identity).
    keyVaultReferenceIdentity: identity.id
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${packageContainer}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identity.id
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
  }
  // The host must be able to reach its storage, and the settings their secrets, when it first starts.
  dependsOn: [storageAccess, vaultAccess]

  // Flex Consumption sets the runtime in functionAppConfig: no FUNCTIONS_WORKER_RUNTIME here.
  resource settings 'config' = {
    name: 'appsettings'
    properties: {
      // Identity-based storage for the host and the scan history: no keys anywhere.
      AzureWebJobsStorage__accountName: storage.name
      AzureWebJobsStorage__credential: 'managedidentity'
      AzureWebJobsStorage__clientId: identity.properties.clientId
      // DefaultAzureCredential picks this user-assigned identity for ARM reads.
      AZURE_CLIENT_ID: identity.properties.clientId
      APPLICATIONINSIGHTS_CONNECTION_STRING: insights.properties.ConnectionString
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.properties.clientId};Authorization=AAD'
      // V8's heap limit at half the instance memory: the worker then collects garbage before it
      // outgrows the instance, instead of sizing its heap from the host machine (npm run bench
      // measures the scan with the same limit).
      languageWorkers__node__arguments: '--max-old-space-size=${instanceMemoryMB / 2}'
      SCAN_SUBSCRIPTIONS: scanSubscriptions
      SCAN_SCHEDULE: scanSchedule
      SCAN_FANOUT: scanFanout
      SCAN_SHARD_SIZE: string(scanShardSize)
      // Secrets never sit in the settings: Key Vault references the platform resolves at start.
      TEAMS_WEBHOOK_URL: empty(teamsWebhookUrl) ? '' : '@Microsoft.KeyVault(SecretUri=${webhookSecret.properties.secretUri})'
      BASELINE_URL: empty(baselineUrl) ? '' : '@Microsoft.KeyVault(SecretUri=${baselineSecret.properties.secretUri})'
      // Checked against App Service Authentication's principal; the app refuses them unless the
      // platform reports WEBSITE_AUTH_ENABLED=true (authClientId below turns it on).
      AUTH_ALLOWED_ROLES: authAllowedRoles
      AUTH_ALLOWED_GROUPS: authAllowedGroups
    }
  }

  // App Service Authentication (Entra ID) when an app registration is given: the platform then
  // sets WEBSITE_AUTH_ENABLED=true and x-ms-client-principal, which AUTH_ALLOWED_* check. The
  // health probe stays open; a browser without a session is sent to the sign-in page.
  resource auth 'config' = if (!empty(authClientId)) {
    name: 'authsettingsV2'
    properties: {
      platform: { enabled: true }
      globalValidation: {
        requireAuthentication: true
        unauthenticatedClientAction: 'RedirectToLoginPage'
        redirectToProvider: 'azureactivedirectory'
        // Event Grid's deliveries carry the host's eventgrid_extension key, no Entra token: the
        // host checks that key on this path (docs/change-events.md).
        excludedPaths: ['/api/health', '/runtime/webhooks/eventgrid']
      }
      identityProviders: {
        azureActiveDirectory: {
          enabled: true
          registration: {
            clientId: authClientId
            openIdIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
          }
          validation: {
            allowedAudiences: [authClientId, 'api://${authClientId}']
          }
        }
      }
      login: {
        tokenStore: { enabled: false }
      }
    }
  }

  // No FTP and no SCM basic authentication: deployments (azd, func, az) use Entra ID tokens.
  resource ftpCredentials 'basicPublishingCredentialsPolicies' = {
    name: 'ftp'
    properties: { allow: false }
  }
  resource scmCredentials 'basicPublishingCredentialsPolicies' = {
    name: 'scm'
    properties: { allow: false }
  }
}

output functionAppName string = app.name
output functionAppId string = app.id
output defaultHostName string = app.properties.defaultHostName
output identityPrincipalId string = identity.properties.principalId
output identityClientId string = identity.properties.clientId
output keyVaultName string = vault.name
output storageAccountId string = storage.id
output deadLetterContainerName string = storage::blobs::deadLetter.name
output eventsIdentityId string = eventsIdentity.id
